package org.factorlab.ddpm;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.factorlab.data.Batch;
import org.factorlab.diffusion.GaussianDiffusion;
import org.factorlab.diffusion.NoisedBatch;
import org.factorlab.diffusion.SeededNoise;
import org.factorlab.latent.FirstStage;
import org.factorlab.latent.FirstStageConfig;
import org.factorlab.nn.GradientCheck;
import org.factorlab.train.GraphSession;
import org.factorlab.train.Losses;
import org.factorlab.train.ParameterGroup;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The unconditional diffusion model's training step: timesteps and noise from (seed, step), plain diffusion loss. */
public final class DdpmSession extends GraphSession {
    private final DdpmConfig config;
    private final DataType dtype;
    private final GaussianDiffusion diffusion;
    private final FirstStage firstStage;

    public DdpmSession(DdpmConfig config, long seed) {
        this(config, seed, DataType.FLOAT);
    }

    public DdpmSession(DdpmConfig config, long seed, DataType dtype) {
        this(config, seed, dtype, null);
    }

    /** A session whose diffusion runs on {@code firstStage}'s latent (null: pixels). */
    public DdpmSession(DdpmConfig config, long seed, DataType dtype, FirstStage firstStage) {
        super(DdpmFamily.NAME, spec(config, DdpmGraph.training(config, dtype, seed)), seed);
        if (config.firstStage().latent() != (firstStage != null))
            throw new IllegalArgumentException(FirstStageConfig.KEY + ": " + (firstStage == null
                    ? "names a first stage, but none was loaded (open the family with its parents)" : "is empty, but a first stage was given"));
        this.firstStage = firstStage;
        this.config = config;
        this.dtype = dtype;
        this.diffusion = new GaussianDiffusion(config.diffusion());
    }

    private static Spec spec(DdpmConfig config, SameDiff sd) {
        return new Spec(sd, DdpmGraph.LOSS, Map.of(Losses.TOTAL, DdpmGraph.LOSS),
                List.of(new ParameterGroup("unet", GradientCheck.trainable(sd), config.optimizer())), List.of());
    }

    @Override
    protected Map<String, INDArray> feed(Batch batch, long stepSeed) {
        INDArray x0 = batch.images().castTo(dtype);
        checkImages(x0, config.model(), DdpmFamily.NAME);
        if (firstStage != null) x0 = firstStage.latents(batch, dtype);
        NoisedBatch nb = diffusion.noised(x0, new SeededNoise(stepSeed));
        Map<String, INDArray> ph = new LinkedHashMap<>();
        ph.put(DdpmGraph.XT, nb.xt());
        ph.put(DdpmGraph.T, GaussianDiffusion.timestepArray(nb.t(), dtype));
        ph.put(DdpmGraph.TARGET, nb.target());
        return ph;
    }

    /** Batch images must be {@code [B, imageChannels, imageSize, imageSize]}; the error names the config keys. */
    public static void checkImages(INDArray x0, DdpmConfig.Model m, String family) {
        long[] want = {m.imageChannels(), m.imageSize(), m.imageSize()};
        if (x0.rank() != 4 || !Arrays.equals(want, Arrays.copyOfRange(x0.shape(), 1, 4)))
            throw new IllegalArgumentException(family + ": batch images are " + Arrays.toString(x0.shape()) + " but the config (model.imageSize, "
                    + "model.imageChannels) expects [B, " + want[0] + ", " + want[1] + ", " + want[2] + "]");
    }
}
