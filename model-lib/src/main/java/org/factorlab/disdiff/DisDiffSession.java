package org.factorlab.disdiff;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.factorlab.data.Batch;
import org.factorlab.ddpm.DdpmSession;
import org.factorlab.diffusion.GaussianDiffusion;
import org.factorlab.diffusion.NoisedBatch;
import org.factorlab.diffusion.SeededNoise;
import org.factorlab.latent.FirstStage;
import org.factorlab.nn.Encoder4;
import org.factorlab.nn.GradientCheck;
import org.factorlab.nn.MatrixExp;
import org.factorlab.train.GraphSession;
import org.factorlab.train.Losses;
import org.factorlab.train.ParameterGroup;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * DisDiff's training step: the parent U-Net's parameters are graph constants (from the parent checkpoint); the
 * encoder, G, the part embedding and the condition layer train with one AdamW each group; E' (the encoder copy of the
 * disentangling loss) is refreshed from the encoder's current parameters and running statistics before every step.
 * Timesteps, noise and the sampled units come from (seed, step) alone, so resuming is exact.
 */
public final class DisDiffSession extends GraphSession {
    /** Parameter groups. */
    public static final String ENCODER_GROUP = "encoder";
    public static final String DECODER_GROUP = "decoder";

    private final DisDiffConfig config;
    private final DataType dtype;
    private final List<String> batchNormLayers;
    private final GaussianDiffusion diffusion;
    private final DisDiffCoefficients coefficients;
    /** E' variable -> the encoder parameter or running statistic it copies. */
    private final Map<String, String> copyOf;
    /** A latent model's first stage; null in pixel space. */
    private final FirstStage firstStage;

    /**
     * @param parentUnet the parent's U-Net parameters ({@code unet/...}), frozen
     */
    public DisDiffSession(DisDiffConfig config, long seed, Map<String, INDArray> parentUnet, DataType dtype) {
        this(config, seed, parentUnet, dtype, null);
    }

    /** A latent DisDiff on {@code firstStage}'s latent (null: pixels); the first stage's decoder is frozen in the graph. */
    public DisDiffSession(DisDiffConfig config, long seed, Map<String, INDArray> parentUnet, DataType dtype, FirstStage firstStage) {
        this(config, seed, parentUnet, dtype, DisDiffGraph.training(config, dtype, seed, latentDecoder(firstStage)), firstStage);
    }

    private DisDiffSession(DisDiffConfig config, long seed, Map<String, INDArray> parentUnet, DataType dtype, DisDiffGraph.Built built,
                           FirstStage firstStage) {
        super(DisDiffFamily.NAME, spec(config, built, parentUnet, firstStage, dtype), seed);
        this.firstStage = firstStage;
        this.config = config;
        this.dtype = dtype;
        this.batchNormLayers = built.batchNormLayers();
        for (String layer : batchNormLayers) {
            long ch = graph().getArrForVarName(layer + "/weight").length();
            addRunningState(layer + "/" + Encoder4.RUNNING_MEAN, Nd4j.zeros(dtype, ch));
            addRunningState(layer + "/" + Encoder4.RUNNING_VAR, Nd4j.ones(dtype, ch));
        }
        this.diffusion = new GaussianDiffusion(config.diffusion());
        this.coefficients = new DisDiffCoefficients(diffusion.schedule());
        this.copyOf = copies(built.sd());
    }

    static DisDiffGraph.LatentDecoder latentDecoder(FirstStage fs) {
        return fs == null ? null : new DisDiffGraph.LatentDecoder(fs.autoencoder().config().model(), fs.autoencoder().scaleFactor());
    }

    private static Spec spec(DisDiffConfig config, DisDiffGraph.Built built, Map<String, INDArray> parentUnet, FirstStage firstStage,
                             DataType dtype) {
        SameDiff sd = built.sd();
        Map<String, INDArray> frozen = new LinkedHashMap<>();
        String unetPrefix = org.factorlab.ddpm.DdpmGraph.UNET_SCOPE + "/", fsPrefix = DisDiffGraph.FIRST_STAGE_SCOPE + "/";
        for (String v : GradientCheck.trainable(sd)) {
            if (v.startsWith(fsPrefix)) {
                INDArray a = firstStage.autoencoder().parameters().get(v.substring(fsPrefix.length()));
                if (a == null) throw new IllegalStateException("disdiff: the first stage has no parameter '" + v.substring(fsPrefix.length()) + "'");
                frozen.put(v, a.castTo(dtype));
            } else if (v.startsWith(unetPrefix)) {
                INDArray a = parentUnet.get(v);
                if (a == null)
                    throw new IllegalArgumentException(DisDiffConfig.PRETRAINED_KEY + ": the parent checkpoint has no parameter '" + v
                            + "' (a ddpm of another U-Net config?)");
                frozen.put(v, a.castTo(dtype));
            } else if (v.startsWith(DisDiffGraph.ENCODER_COPY_SCOPE + "/")) {
                frozen.put(v, sd.getArrForVarName(v).dup()); // overwritten from the encoder before every step
            }
        }
        List<String> encoder = new ArrayList<>(), decoder = new ArrayList<>();
        for (String v : GradientCheck.trainable(sd)) {
            if (frozen.containsKey(v)) continue;
            (v.startsWith(DisDiffGraph.ENCODER_SCOPE + "/") ? encoder : decoder).add(v);
        }
        List<String> extra = new ArrayList<>();
        for (String layer : built.batchNormLayers()) {
            extra.add(layer + "/" + Encoder4.BATCH_MEAN);
            extra.add(layer + "/" + Encoder4.BATCH_VAR);
        }
        Map<String, String> losses = new LinkedHashMap<>();
        losses.put(DisDiffGraph.RECON, DisDiffGraph.RECON);
        losses.put(DisDiffGraph.DIS_VARIANT, DisDiffGraph.DIS_VARIANT);
        losses.put(DisDiffGraph.DIS_INVARIANT, DisDiffGraph.DIS_INVARIANT);
        losses.put(Losses.TOTAL, DisDiffGraph.TOTAL);
        return new Spec(sd, DisDiffGraph.TOTAL, losses, List.of(new ParameterGroup(ENCODER_GROUP, encoder, config.optimizer()),
                new ParameterGroup(DECODER_GROUP, decoder, config.optimizer())), extra, frozen);
    }

    /** E' variable names to their sources: {@code enc_eval/X} copies {@code enc/X}. */
    private Map<String, String> copies(SameDiff sd) {
        Map<String, INDArray> live = parameters();
        Map<String, String> m = new LinkedHashMap<>();
        String prefix = DisDiffGraph.ENCODER_COPY_SCOPE + "/";
        for (var v : sd.variables()) {
            if (!v.name().startsWith(prefix) || v.getVariableType() != org.nd4j.autodiff.samediff.VariableType.CONSTANT) continue;
            String src = DisDiffGraph.ENCODER_SCOPE + "/" + v.name().substring(prefix.length());
            if (!live.containsKey(src)) throw new IllegalStateException("disdiff: E' variable '" + v.name() + "' has no source '" + src + "'");
            m.put(v.name(), src);
        }
        return m;
    }

    public DisDiffConfig config() {
        return config;
    }

    @Override
    protected Map<String, INDArray> feed(Batch batch, long stepSeed) {
        INDArray x0 = batch.images().castTo(dtype);
        DdpmSession.checkImages(x0, config.model().parentModel(), DisDiffFamily.NAME);
        refreshEncoderCopy();
        // the encoder reads the image; the diffusion runs on the image or on the first stage's latent
        INDArray z0 = firstStage == null ? x0 : firstStage.latents(batch, dtype);
        return placeholders(config, diffusion, coefficients, x0, z0, stepSeed, graph().getArrForVarName(DisDiffGraph.PART_LATENTS), dtype);
    }

    /** One step's placeholders: timesteps, noise and sampled units from {@code stepSeed}, and their coefficients. */
    static Map<String, INDArray> placeholders(DisDiffConfig config, GaussianDiffusion diffusion, DisDiffCoefficients coefficients,
                                              INDArray x0, long stepSeed, INDArray partLatents, DataType dtype) {
        return placeholders(config, diffusion, coefficients, x0, x0, stepSeed, partLatents, dtype);
    }

    /** With {@code z0} the diffusion's x_0 (a latent model's latent), {@code x0} the encoder's image. */
    static Map<String, INDArray> placeholders(DisDiffConfig config, GaussianDiffusion diffusion, DisDiffCoefficients coefficients,
                                              INDArray x0, INDArray z0, long stepSeed, INDArray partLatents, DataType dtype) {
        SeededNoise rng = new SeededNoise(stepSeed);
        NoisedBatch nb = diffusion.noised(z0, rng);
        int b = (int) x0.size(0), n = config.model().latentUnit();
        SplittableRandom units = new SplittableRandom(rng.nextSeed());
        INDArray unit = Nd4j.zeros(dtype, b, n);
        for (int i = 0; i < b; i++) unit.putScalar(i, units.nextInt(n), 1.0);
        int[] t = nb.t();
        Map<String, INDArray> ph = new LinkedHashMap<>();
        ph.put(DisDiffGraph.X0, x0);
        ph.put(DisDiffGraph.XT, nb.xt());
        ph.put(DisDiffGraph.T, GaussianDiffusion.timestepArray(t, dtype));
        ph.put(DisDiffGraph.NOISE, nb.noise().castTo(dtype));
        ph.put(DisDiffGraph.SHIFT_COEF, coefficients.shift(t, dtype));
        ph.put(DisDiffGraph.DDIM_COEF, coefficients.ddim(t, dtype));
        ph.put(DisDiffGraph.SQRT_RECIP, coefficients.sqrtRecip(t, dtype));
        ph.put(DisDiffGraph.SQRT_RECIPM1, coefficients.sqrtRecipm1(t, dtype));
        ph.put(DisDiffGraph.UNIT, unit);
        ph.putAll(expmFeed(partLatents, dtype));
        return ph;
    }

    /** A variable's array in the training graph (frozen ones included), for tests. */
    INDArray graphArray(String name) {
        return graph().getArrForVarName(name);
    }

    /** The scale and mask placeholders of the part embedding's matrix exponential, for the current W. */
    static Map<String, INDArray> expmFeed(INDArray w, DataType dtype) {
        int s = MatrixExp.squarings(w.sub(w.transpose()), MatrixExp.MAX_SQUARINGS, DisDiffGraph.PART_LATENTS);
        return Map.of(DisDiffGraph.EXPM_SCALE, MatrixExp.scale(s, dtype), DisDiffGraph.EXPM_MASK, MatrixExp.mask(s, MatrixExp.MAX_SQUARINGS, dtype));
    }

    /** E' = the encoder as it is now, in eval mode (its running statistics): copied in place into the graph constants. */
    private void refreshEncoderCopy() {
        Map<String, INDArray> live = parameters();
        for (var e : copyOf.entrySet()) graph().getArrForVarName(e.getKey()).assign(live.get(e.getValue()));
    }

    @Override
    protected void afterStep(Map<String, INDArray> out, Batch batch) {
        Encoder4.foldBatchStatistics(config.model().encoderConfig(), batchNormLayers, out, batch.images().size(0), this::runningState);
    }
}
