package org.factorlab.train.optim;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.api.ops.impl.updaters.AdamUpdater;

/**
 * Adam / AdamW on named INDArrays, written out rather than using SameDiff's updaters so that the moment estimates
 * are plain named arrays (exported into {@link org.factorlab.train.TrainingState}, averaged by the Spark job,
 * restored on resume) and clipping happens on the whole gradient. The arithmetic follows torch.optim.Adam/AdamW
 * (single-tensor path): decay, moments, {@code p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)}, executed
 * by libnd4j's fused {@code adam_updater} op. Gradients are overwritten (clipping, then the update).
 */
public final class Adam {
    public static final String M = "m/";
    public static final String V = "v/";

    private final OptimizerConfig config;
    private final Map<String, INDArray> m = new LinkedHashMap<>();
    private final Map<String, INDArray> v = new LinkedHashMap<>();

    public Adam(OptimizerConfig config, Map<String, INDArray> params) {
        this.config = config;
        for (var e : params.entrySet()) {
            m.put(e.getKey(), Nd4j.zeros(e.getValue().dataType(), e.getValue().shape()));
            v.put(e.getKey(), Nd4j.zeros(e.getValue().dataType(), e.getValue().shape()));
        }
    }

    public OptimizerConfig config() {
        return config;
    }

    /**
     * Applies optimizer step {@code step} (0-based; the bias corrections use step + 1) to {@code params} in place.
     * Gradients are overwritten. Returns the global gradient norm before clipping. A non-finite gradient is an error
     * that leaves parameters and moments untouched (clipping would turn an infinite norm into NaN parameters).
     */
    public double apply(long step, Map<String, INDArray> params, Map<String, INDArray> grads) {
        double norm = gradientNorm(grads);
        if (!Double.isFinite(norm))
            throw new IllegalStateException("gradient norm is " + norm + " at optimizer step " + step + "; parameters not updated");
        update(step, params, grads, norm);
        return norm;
    }

    /** The L2 norm of this optimizer's gradients in {@code grads} (keyed by parameter name). */
    public double gradientNorm(Map<String, INDArray> grads) {
        double sq = 0;
        for (String k : m.keySet()) {
            INDArray g = grads.get(k);
            if (g == null) throw new IllegalStateException("no gradient for parameter " + k);
            double n = g.norm2Number().doubleValue();
            sq += n * n;
        }
        return Math.sqrt(sq);
    }

    /** The update of {@link #apply} given the (finite) gradient norm {@link #gradientNorm} returned. */
    public void update(long step, Map<String, INDArray> params, Map<String, INDArray> grads, double norm) {
        if (config.clipGradNorm() > 0 && norm > config.clipGradNorm()) {
            double f = config.clipGradNorm() / (norm + 1e-6);
            for (String k : m.keySet()) grads.get(k).muli(f);
        }
        double lr = config.lrAt(step);
        long t = step + 1;
        double b1 = config.beta1(), b2 = config.beta2();
        double bc2Sqrt = Math.sqrt(1 - Math.pow(b2, t));
        double wd = config.weightDecay();
        for (String k : m.keySet()) {
            INDArray p = params.get(k);
            INDArray g = grads.get(k);
            if (wd > 0) {
                if (config.kind() == OptimizerKind.ADAMW) p.muli(1 - lr * wd);
                else g = g.add(p.mul(wd));
            }
            // libnd4j's fused adam_updater computes lr*sqrt(bc2)/bc1 * m / (sqrt(v) + eps'); with eps' = eps*sqrt(bc2)
            // that is torch's lr/bc1 * m / (sqrt(v)/sqrt(bc2) + eps). One native op instead of a dozen per parameter.
            INDArray update = g == grads.get(k) ? g : g.dup();
            Nd4j.exec(new AdamUpdater(g, v.get(k), m.get(k), update, v.get(k), m.get(k), lr, b1, b2, config.eps() * bc2Sqrt, (int) step));
            p.subi(update);
        }
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
        for (String k : m.keySet()) {
            copyInto(state, M + k, m.get(k));
            copyInto(state, V + k, v.get(k));
        }
    }

    private static void copyInto(Map<String, INDArray> state, String key, INDArray dst) {
        INDArray src = state.get(key);
        if (src == null) throw new IllegalArgumentException("optimizer state has no entry '" + key + "'");
        if (!java.util.Arrays.equals(src.shape(), dst.shape()))
            throw new IllegalArgumentException("optimizer state '" + key + "' has shape " + java.util.Arrays.toString(src.shape())
                    + ", expected " + java.util.Arrays.toString(dst.shape()));
        dst.assign(src);
    }
}
