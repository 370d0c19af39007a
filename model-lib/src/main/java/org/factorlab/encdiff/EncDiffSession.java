package org.factorlab.encdiff;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.factorlab.data.Batch;
import org.factorlab.diffusion.GaussianDiffusion;
import org.factorlab.diffusion.NoisedBatch;
import org.factorlab.diffusion.SeededNoise;
import org.factorlab.latent.FirstStage;
import org.factorlab.nn.Encoder4;
import org.factorlab.nn.GradientCheck;
import org.factorlab.train.GraphSession;
import org.factorlab.train.Losses;
import org.factorlab.train.ParameterGroup;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * EncDiff's training step on one machine: encoder -> tokens -> U-Net, plain diffusion loss, one Adam/AdamW over all
 * parameters ({@link GraphSession} does the step, the state and the exact resume). The diffusion core stays
 * outside the graph: step n's timesteps and noise come from a generator seeded by (seed, n) alone. The state holds
 * the parameters, the BatchNorm running statistics and Adam's moments.
 */
public final class EncDiffSession extends GraphSession {
    private final EncDiffConfig config;
    private final DataType dtype;
    private final List<String> batchNormLayers;
    private final GaussianDiffusion diffusion;
    /** The latent model's first stage; null in pixel space. */
    private final FirstStage firstStage;

    public EncDiffSession(EncDiffConfig config, long seed) {
        this(config, seed, DataType.FLOAT);
    }

    public EncDiffSession(EncDiffConfig config, long seed, DataType dtype) {
        this(config, seed, dtype, null);
    }

    /** A session whose diffusion runs on {@code firstStage}'s latent (null: pixels). */
    public EncDiffSession(EncDiffConfig config, long seed, DataType dtype, FirstStage firstStage) {
        this(config, seed, dtype, EncDiffGraph.training(checked(config, firstStage), dtype, seed), firstStage);
    }

    private EncDiffSession(EncDiffConfig config, long seed, DataType dtype, EncDiffGraph.Built built, FirstStage firstStage) {
        super(EncDiffFamily.NAME, spec(config, built), seed);
        this.config = config;
        this.firstStage = firstStage;
        this.dtype = dtype;
        this.batchNormLayers = built.batchNormLayers();
        for (String layer : batchNormLayers) {
            long ch = graph().getArrForVarName(layer + "/weight").length();
            addRunningState(layer + "/" + Encoder4.RUNNING_MEAN, Nd4j.zeros(dtype, ch));
            addRunningState(layer + "/" + Encoder4.RUNNING_VAR, Nd4j.ones(dtype, ch));
        }
        this.diffusion = new GaussianDiffusion(config.diffusion());
    }

    private static EncDiffConfig checked(EncDiffConfig config, FirstStage firstStage) {
        if (config.firstStage().latent() != (firstStage != null))
            throw new IllegalArgumentException(org.factorlab.latent.FirstStageConfig.KEY + ": " + (firstStage == null
                    ? "names a first stage, but none was loaded (open the family with its parents)" : "is empty, but a first stage was given"));
        if (config.model().conditioning() == org.factorlab.nn.Conditioning.NONE)
            throw new IllegalArgumentException("model.conditioning: EncDiff needs cross_attention or adagn (none leaves the encoder untrained)");
        return config;
    }

    private static Spec spec(EncDiffConfig config, EncDiffGraph.Built built) {
        SameDiff sd = built.sd();
        List<String> extra = new java.util.ArrayList<>();
        for (String layer : built.batchNormLayers()) {
            extra.add(layer + "/" + Encoder4.BATCH_MEAN);
            extra.add(layer + "/" + Encoder4.BATCH_VAR);
        }
        return new Spec(sd, EncDiffGraph.LOSS, Map.of(Losses.TOTAL, EncDiffGraph.LOSS),
                List.of(new ParameterGroup("model", GradientCheck.trainable(sd), config.optimizer())), extra);
    }

    public EncDiffConfig config() {
        return config;
    }

    public GaussianDiffusion diffusion() {
        return diffusion;
    }

    @Override
    protected Map<String, INDArray> feed(Batch batch, long stepSeed) {
        INDArray x0 = batch.images().castTo(dtype);
        checkShape(x0);
        // the encoder reads the image; the diffusion runs on the image or on the first stage's latent
        INDArray z0 = firstStage == null ? x0 : firstStage.latents(batch, dtype);
        NoisedBatch nb = diffusion.noised(z0, new SeededNoise(stepSeed));
        Map<String, INDArray> ph = new LinkedHashMap<>();
        ph.put(EncDiffGraph.X0, x0);
        ph.put(EncDiffGraph.XT, nb.xt());
        ph.put(EncDiffGraph.T, GaussianDiffusion.timestepArray(nb.t(), dtype));
        ph.put(EncDiffGraph.TARGET, nb.target());
        return ph;
    }

    /** PyTorch's BatchNorm rule: running = (1 - m) running + m batch, with the unbiased batch variance. */
    @Override
    protected void afterStep(Map<String, INDArray> out, Batch batch) {
        Encoder4.foldBatchStatistics(config.model().encoderConfig(), batchNormLayers, out, batch.images().size(0), this::runningState);
    }

    private void checkShape(INDArray x0) {
        var m = config.model();
        long[] want = {m.imageChannels(), m.imageSize(), m.imageSize()};
        long[] got = Arrays.copyOfRange(x0.shape(), 1, 4);
        if (!Arrays.equals(want, got))
            throw new IllegalArgumentException("EncDiff: batch images are " + Arrays.toString(x0.shape()) + " but the config (model.imageSize, "
                    + "model.imageChannels) expects [B, " + want[0] + ", " + want[1] + ", " + want[2] + "]");
    }
}
