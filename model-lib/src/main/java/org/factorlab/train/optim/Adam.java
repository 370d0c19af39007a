package org.factorlab.train.optim;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Adam / AdamW on named INDArrays, written out rather than using SameDiff's updaters so that the moment estimates
 * are plain named arrays (exported into {@link org.factorlab.train.TrainingState}, averaged by the Spark job,
 * restored on resume) and clipping happens on the whole gradient. The arithmetic follows torch.optim.Adam/AdamW
 * (single-tensor path): decay, moments, {@code p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)}, executed
 * by libnd4j's fused {@code adam_updater} op.
 * <p>
 * The moments, and the gradients gathered each step, live in one flat buffer each (the named moments are views of it):
 * the norm, the clipping and the update are one native call each over all parameters instead of one per array.
 * Per array are left only the gather of its gradient and the subtraction of its update (and AdamW's decay).
 */
public final class Adam {
    public static final String M = "m/";
    public static final String V = "v/";

    private final OptimizerConfig config;
    private final List<String> names;
    private final INDArray flatM, flatV, flatG;
    private final Map<String, INDArray> m = new LinkedHashMap<>();
    private final Map<String, INDArray> v = new LinkedHashMap<>();
    /** Views of {@link #flatG} shaped like each parameter, in {@link #names} order. */
    private final INDArray[] g;
    /** Whether {@link #flatG} holds this step's gradients ({@link #gradientNorm} ran since the last update). */
    private boolean gathered;

    /** {@code params}: the parameters this optimizer updates, all of one data type. */
    public Adam(OptimizerConfig config, Map<String, INDArray> params) {
        this.config = config;
        this.names = List.copyOf(params.keySet());
        DataType type = params.isEmpty() ? DataType.FLOAT : params.values().iterator().next().dataType();
        long total = 0;
        for (var e : params.entrySet()) {
            if (e.getValue().dataType() != type)
                throw new IllegalArgumentException("optimizer: parameter '" + e.getKey() + "' is " + e.getValue().dataType()
                        + ", the others " + type + " (one optimizer updates one data type)");
            total += e.getValue().length();
        }
        flatM = Nd4j.zeros(type, Math.max(1, total));
        flatV = Nd4j.zeros(type, Math.max(1, total));
        flatG = Nd4j.zeros(type, Math.max(1, total));
        g = new INDArray[names.size()];
        long offset = 0;
        for (int i = 0; i < names.size(); i++) {
            long[] shape = params.get(names.get(i)).shape();
            m.put(names.get(i), view(flatM, offset, shape));
            v.put(names.get(i), view(flatV, offset, shape));
            g[i] = view(flatG, offset, shape);
            offset += params.get(names.get(i)).length();
        }
    }

    /** A c-ordered view of {@code length(shape)} elements of the flat buffer from {@code offset}. */
    private static INDArray view(INDArray flat, long offset, long[] shape) {
        return Nd4j.create(flat.data(), shape, Nd4j.getStrides(shape, 'c'), offset, 'c', flat.dataType());
    }

    public OptimizerConfig config() {
        return config;
    }

    /**
     * Applies optimizer step {@code step} (0-based; the bias corrections use step + 1) to {@code params} in place.
     * Returns the global gradient norm before clipping. A non-finite gradient is an error that leaves parameters and
     * moments untouched (clipping would turn an infinite norm into NaN parameters).
     */
    public double apply(long step, Map<String, INDArray> params, Map<String, INDArray> grads) {
        double norm = gradientNorm(grads);
        if (!Double.isFinite(norm))
            throw new IllegalStateException("gradient norm is " + norm + " at optimizer step " + step + "; parameters not updated");
        update(step, params, norm);
        return norm;
    }

    /**
     * Gathers this optimizer's gradients from {@code grads} (keyed by parameter name) for the next {@link #update}
     * and returns their L2 norm. {@code grads} are only read.
     */
    public double gradientNorm(Map<String, INDArray> grads) {
        for (int i = 0; i < names.size(); i++) {
            INDArray src = grads.get(names.get(i));
            if (src == null) throw new IllegalStateException("no gradient for parameter " + names.get(i));
            g[i].assign(src);
        }
        gathered = true;
        // BLAS nrm2: a seventh of the time of libnd4j's norm2 reduction over a few million floats, and closer to the
        // exact value (it scales instead of summing float squares)
        return names.isEmpty() ? 0 : Nd4j.getBlasWrapper().level1().nrm2(flatG);
    }

    /** The update of {@link #apply} with the gradients {@link #gradientNorm} gathered and the (finite) norm it returned. */
    public void update(long step, Map<String, INDArray> params, double norm) {
        if (!gathered) throw new IllegalStateException("optimizer step " + step + ": gradientNorm(grads) gathers the gradients first");
        gathered = false;
        if (names.isEmpty()) return;
        if (config.clipGradNorm() > 0 && norm > config.clipGradNorm()) flatG.muli(config.clipGradNorm() / (norm + 1e-6));
        double lr = config.lrAt(step);
        long t = step + 1;
        double wd = config.weightDecay();
        if (wd > 0)
            for (int i = 0; i < names.size(); i++) {
                INDArray p = params.get(names.get(i));
                if (config.kind() == OptimizerKind.ADAMW) p.muli(1 - lr * wd);
                else g[i].addi(p.mul(wd));
            }
        // libnd4j's fused adam_updater computes lr*sqrt(bc2)/bc1 * m / (sqrt(v) + eps'); with eps' = eps*sqrt(bc2)
        // that is torch's lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps). The update overwrites the gathered gradients.
        double bc2Sqrt = Math.sqrt(1 - Math.pow(config.beta2(), t));
        Nd4j.exec(new AdamUpdater(flatG, flatV, flatM, flatG, flatV, flatM, lr, config.beta1(), config.beta2(),
                config.eps() * bc2Sqrt, (int) step));
        for (int i = 0; i < names.size(); i++) params.get(names.get(i)).subi(g[i]);
    }

    /** Copies of the moment estimates, keyed {@code m/<param>} and {@code v/<param>}. */
    public Map<String, INDArray> state() {
        var out = new LinkedHashMap<String, INDArray>();
        for (var e : m.entrySet()) out.put(M + e.getKey(), e.getValue().dup());
        for (var e : v.entrySet()) out.put(V + e.getKey(), e.getValue().dup());
        return out;
    }

    /** Restores moment estimates exported by {@link #state()}; every parameter must be present with its shape. */
    public void load(Map<String, INDArray> state) {
        for (String k : names) {
            copyInto(state, M + k, m.get(k));
            copyInto(state, V + k, v.get(k));
        }
    }

    private static void copyInto(Map<String, INDArray> state, String key, INDArray dst) {
        INDArray src = state.get(key);
        if (src == null) throw new IllegalArgumentException("optimizer state has no entry '" + key + "'");
        if (!Arrays.equals(src.shape(), dst.shape()))
            throw new IllegalArgumentException("optimizer state '" + key + "' has shape " + Arrays.toString(src.shape())
                    + ", expected " + Arrays.toString(dst.shape()));
        dst.assign(src);
    }
}
