package org.factorlab.encdiff;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.factorlab.data.Batch;
import org.factorlab.diffusion.GaussianDiffusion;
import org.factorlab.diffusion.NoisedBatch;
import org.factorlab.diffusion.SeededNoise;
import org.factorlab.nn.CompiledGraph;
import org.factorlab.nn.Encoder4;
import org.factorlab.nn.GradientCheck;
import org.factorlab.train.TrainingSession;
import org.factorlab.train.TrainingState;
import org.factorlab.train.optim.Adam;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * EncDiff's training step on one machine: encoder -> tokens -> U-Net, plain diffusion loss, Adam/AdamW written out
 * on the gradients of SameDiff's gradient graph, executed by {@link CompiledGraph} (the same ops and values as
 * {@code sd.calculateGradientsAndOutputs}, without its per-call overhead).
 *
 * <p>Exactness: initial parameters depend only on (config, seed) ({@link org.factorlab.nn.Scope}); step n draws its
 * timesteps and noise from a generator seeded by (seed, n) alone, so a session restored with {@link #load} at step n
 * continues with exactly the numbers an uninterrupted run uses. The state holds the parameters, the BatchNorm
 * running statistics and Adam's moments; nothing else carries over between steps.
 */
public final class EncDiffSession implements TrainingSession {
    private final EncDiffConfig config;
    private final long seed;
    private final DataType dtype;
    private final SameDiff sd;
    private final CompiledGraph gradients;
    private final List<String> outputs = new ArrayList<>();
    private final List<String> params;
    private final List<String> batchNormLayers;
    private final Map<String, INDArray> runningStats = new LinkedHashMap<>();
    private final Adam adam;
    private final GaussianDiffusion diffusion;
    private long step;
    private double lastGradNorm = Double.NaN;

    public EncDiffSession(EncDiffConfig config, long seed) {
        this(config, seed, DataType.FLOAT);
    }

    public EncDiffSession(EncDiffConfig config, long seed, DataType dtype) {
        if (config.model().conditioning() == org.factorlab.nn.Conditioning.NONE)
            throw new IllegalArgumentException("model.conditioning: EncDiff needs cross_attention or adagn (none leaves the encoder untrained)");
        this.config = config;
        this.seed = seed;
        this.dtype = dtype;
        EncDiffGraph.Built built = EncDiffGraph.training(config, dtype, seed);
        this.sd = built.sd();
        this.params = GradientCheck.trainable(sd);
        this.batchNormLayers = built.batchNormLayers();
        for (String layer : batchNormLayers) {
            long ch = sd.getArrForVarName(layer + "/weight").length();
            runningStats.put(layer + "/" + Encoder4.RUNNING_MEAN, org.nd4j.linalg.factory.Nd4j.zeros(dtype, ch));
            runningStats.put(layer + "/" + Encoder4.RUNNING_VAR, org.nd4j.linalg.factory.Nd4j.ones(dtype, ch));
        }
        outputs.add(EncDiffGraph.LOSS);
        for (String layer : batchNormLayers) {
            outputs.add(layer + "/" + Encoder4.BATCH_MEAN);
            outputs.add(layer + "/" + Encoder4.BATCH_VAR);
        }
        this.gradients = CompiledGraph.gradients(sd, outputs, params);
        this.adam = new Adam(config.optimizer(), parameterArrays());
        this.diffusion = new GaussianDiffusion(config.diffusion());
    }

    public EncDiffConfig config() {
        return config;
    }

    public GaussianDiffusion diffusion() {
        return diffusion;
    }

    public long stepCount() {
        return step;
    }

    /** Global gradient norm of the last step, before clipping. */
    public double lastGradNorm() {
        return lastGradNorm;
    }

    /** The trainable parameter names, in graph order. */
    public List<String> parameterNames() {
        return List.copyOf(params);
    }

    /** The seed of step {@code n}'s timesteps and noise: a function of (seed, n) only. */
    public static long stepSeed(long seed, long n) {
        return mix(mix(seed) ^ (n + 0x632be59bd9b4e019L));
    }

    @Override
    public double step(Batch batch) {
        INDArray x0 = batch.images().castTo(dtype);
        checkShape(x0);
        NoisedBatch nb = diffusion.noised(x0, new SeededNoise(stepSeed(seed, step)));
        Map<String, INDArray> ph = new LinkedHashMap<>();
        ph.put(EncDiffGraph.X0, x0);
        ph.put(EncDiffGraph.XT, nb.xt());
        ph.put(EncDiffGraph.T, GaussianDiffusion.timestepArray(nb.t(), dtype));
        ph.put(EncDiffGraph.TARGET, nb.target());
        // outputs and gradients (keyed by parameter name) in one map, valid until the next call
        Map<String, INDArray> out = gradients.run(ph);
        double loss = out.get(EncDiffGraph.LOSS).getDouble(0);
        if (!Double.isFinite(loss)) throw new IllegalStateException("EncDiff: loss is " + loss + " at step " + step);
        try {
            lastGradNorm = adam.apply(step, parameterArrays(), out);
        } catch (IllegalStateException e) {
            // parameters are untouched: re-running the step finds the op where the non-finite value starts
            String where = gradients.firstNonFinite(ph).orElse("every value is finite when the step is re-run");
            throw new IllegalStateException("EncDiff: " + e.getMessage() + " (loss " + loss + "); first non-finite value: " + where, e);
        }
        updateRunningStats(out, x0);
        step++;
        return loss;
    }

    /** PyTorch's BatchNorm rule: running = (1 - m) running + m batch, with the unbiased batch variance. */
    private void updateRunningStats(Map<String, INDArray> out, INDArray x0) {
        double m = config.model().encoder().bnMomentum();
        for (String layer : batchNormLayers) {
            INDArray mean = out.get(layer + "/" + Encoder4.BATCH_MEAN);
            INDArray var = out.get(layer + "/" + Encoder4.BATCH_VAR);
            long perChannel = x0.size(0) * spatialSize(layer);
            double unbias = perChannel > 1 ? perChannel / (perChannel - 1.0) : 1.0;
            INDArray rm = runningStats.get(layer + "/" + Encoder4.RUNNING_MEAN);
            INDArray rv = runningStats.get(layer + "/" + Encoder4.RUNNING_VAR);
            rm.muli(1 - m).addi(mean.reshape(rm.shape()).mul(m));
            rv.muli(1 - m).addi(var.reshape(rv.shape()).mul(m * unbias));
        }
    }

    /** H*W at a BatchNorm layer: all of Encoder4's norms sit at the final resolution except conv i's (after i+1 halvings). */
    private long spatialSize(String layer) {
        var ec = config.model().encoderConfig();
        String local = layer.substring(layer.lastIndexOf('/') + 1);
        long r = ec.finalResolution();
        if (local.startsWith("norm") && !local.equals("norm_out") && !layer.contains("/res")) {
            int i = Integer.parseInt(local.substring(4));
            r = ec.resolution() >> (i + 1);
        }
        return r * r;
    }

    private void checkShape(INDArray x0) {
        var m = config.model();
        long[] want = {m.imageChannels(), m.imageSize(), m.imageSize()};
        long[] got = Arrays.copyOfRange(x0.shape(), 1, 4);
        if (!Arrays.equals(want, got))
            throw new IllegalArgumentException("EncDiff: batch images are " + Arrays.toString(x0.shape()) + " but the config (model.imageSize, "
                    + "model.imageChannels) expects [B, " + want[0] + ", " + want[1] + ", " + want[2] + "]");
    }

    /** The live parameter arrays (trainable only), keyed by variable name. */
    private Map<String, INDArray> parameterArrays() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (String p : params) m.put(p, sd.getArrForVarName(p));
        return m;
    }

    /** Live arrays, not copies: the trainable parameters, then the BatchNorm running statistics. */
    @Override
    public Map<String, INDArray> parameters() {
        Map<String, INDArray> p = parameterArrays();
        p.putAll(runningStats);
        return java.util.Collections.unmodifiableMap(p);
    }

    @Override
    public TrainingState state() {
        Map<String, INDArray> p = new LinkedHashMap<>();
        for (var e : parameterArrays().entrySet()) p.put(e.getKey(), e.getValue().dup());
        for (var e : runningStats.entrySet()) p.put(e.getKey(), e.getValue().dup());
        return new TrainingState(step, p, adam.state());
    }

    @Override
    public void load(TrainingState state) {
        Map<String, INDArray> p = state.parameters();
        for (var e : parameterArrays().entrySet()) assign(p, e.getKey(), e.getValue());
        for (var e : runningStats.entrySet()) assign(p, e.getKey(), e.getValue());
        int expected = params.size() + runningStats.size();
        if (p.size() != expected)
            throw new IllegalArgumentException("EncDiff state has " + p.size() + " parameter arrays, this model has " + expected
                    + " (a checkpoint of a different config?)");
        adam.load(state.updaterState());
        step = state.step();
    }

    private static void assign(Map<String, INDArray> src, String name, INDArray dst) {
        INDArray a = src.get(name);
        if (a == null) throw new IllegalArgumentException("EncDiff state has no parameter '" + name + "' (a checkpoint of a different config?)");
        if (!Arrays.equals(a.shape(), dst.shape()))
            throw new IllegalArgumentException("EncDiff parameter '" + name + "': state has shape " + Arrays.toString(a.shape())
                    + ", the model " + Arrays.toString(dst.shape()));
        dst.assign(a);
    }

    static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }
}
