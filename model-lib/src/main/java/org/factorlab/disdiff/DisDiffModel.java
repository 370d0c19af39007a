package org.factorlab.disdiff;

import org.factorlab.nn.GraphParameters;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.factorlab.ddpm.DdpmModel;
import org.factorlab.diffusion.DdimConfig;
import org.factorlab.diffusion.DdimSampler;
import org.factorlab.diffusion.Denoiser;
import org.factorlab.diffusion.GaussianDiffusion;
import org.factorlab.latent.FirstStage;
import org.factorlab.diffusion.SeededNoise;
import org.factorlab.model.Decoding;
import org.factorlab.model.Generator;
import org.factorlab.model.PartialConditioning;
import org.factorlab.model.TrainedModel;
import org.factorlab.nn.CompiledGraph;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A trained DisDiff: encoding, and DDIM with {@code eps = eps_theta + ddim_coef_t sum_k w_k G_k(z^k)}, where the
 * weights are all ones for decoding a whole code (reconstruction, swaps, traversals), one-hot for partial-condition
 * sampling (Eq. 6), and zeros for the parent's unconditional samples. Not thread-safe.
 */
public final class DisDiffModel implements TrainedModel, Decoding, PartialConditioning, Generator {
    private final DisDiffConfig config;
    private final DisDiffEncoder encoder;
    private final GaussianDiffusion diffusion;
    private final DisDiffCoefficients coefficients;
    private final CompiledGraph compiled;
    private final Map<String, INDArray> expmFeed;
    /** A latent model's first stage: DDIM runs on its latent, pictures are decoded through it; null in pixel space. */
    private final FirstStage firstStage;

    /**
     * @param trained    the model's own parameters (encoder, G, part embedding, condition layer)
     * @param parentUnet the parent's U-Net parameters
     */
    public DisDiffModel(DisDiffConfig config, Map<String, INDArray> trained, Map<String, INDArray> parentUnet) {
        this(config, trained, parentUnet, null);
    }

    public DisDiffModel(DisDiffConfig config, Map<String, INDArray> trained, Map<String, INDArray> parentUnet, FirstStage firstStage) {
        if (config.firstStage().latent() != (firstStage != null))
            throw new IllegalArgumentException(org.factorlab.latent.FirstStageConfig.KEY + ": " + (firstStage == null
                    ? "a latent model needs its first stage (load it with its parents)" : "a pixel model takes no first stage"));
        this.firstStage = firstStage;
        this.config = config;
        this.encoder = new DisDiffEncoder(config, trained);
        this.diffusion = new GaussianDiffusion(config.diffusion());
        this.coefficients = new DisDiffCoefficients(diffusion.schedule());
        SameDiff sd = DisDiffGraph.denoiser(config, DataType.FLOAT, 0);
        Map<String, INDArray> all = new LinkedHashMap<>(trained);
        all.putAll(parentUnet);
        GraphParameters.assign(sd, all, DisDiffFamily.NAME);
        this.expmFeed = DisDiffSession.expmFeed(sd.getArrForVarName(DisDiffGraph.PART_LATENTS), DataType.FLOAT);
        this.compiled = CompiledGraph.outputs(sd, List.of(DisDiffGraph.EPS));
    }

    public DisDiffConfig config() {
        return config;
    }

    @Override
    public String family() {
        return DisDiffFamily.NAME;
    }

    @Override
    public DisDiffEncoder encoder() {
        return encoder;
    }

    @Override
    public int imageSize() {
        return config.model().imageSize();
    }

    @Override
    public Optional<Decoding> decoding() {
        return Optional.of(this);
    }

    @Override
    public Optional<PartialConditioning> partialConditioning() {
        return Optional.of(this);
    }

    @Override
    public Optional<Generator> generator() {
        return Optional.of(this);
    }

    @Override
    public boolean reverseDiffusion() {
        return true;
    }

    @Override
    public int units() {
        return config.model().latentUnit();
    }

    @Override
    public String unitName() {
        return "unit";
    }

    /** eps for {@code x_t} under codes {@code [B, N*d]} with per-unit weights {@code [B, N]}. */
    public INDArray eps(INDArray xt, int[] t, INDArray codes, INDArray weights) {
        Map<String, INDArray> ph = new LinkedHashMap<>(expmFeed);
        ph.put(DisDiffGraph.XT, xt.castTo(DataType.FLOAT));
        ph.put(DisDiffGraph.T, GaussianDiffusion.timestepArray(t, DataType.FLOAT));
        ph.put(DisDiffGraph.CODE_IN, codes.castTo(DataType.FLOAT));
        ph.put(DisDiffGraph.UNIT_WEIGHTS, weights.castTo(DataType.FLOAT));
        ph.put(DisDiffGraph.DDIM_COEF, coefficients.ddim(t, DataType.FLOAT));
        synchronized (compiled) {
            return compiled.run(ph).get(DisDiffGraph.EPS).dup();
        }
    }

    public Denoiser denoiser(INDArray codes, INDArray weights) {
        return (xt, t) -> eps(xt, t, codes, weights);
    }

    /** DDIM from {@code xT} under codes and unit weights; images (a latent model's sample decoded through its first stage). */
    public INDArray decode(INDArray codes, INDArray weights, INDArray xT, DdimConfig ddim, long seed) {
        INDArray x0 = new DdimSampler(diffusion, ddim).sample(denoiser(codes, weights), xT, new SeededNoise(seed));
        return firstStage == null ? x0 : firstStage.decode(x0);
    }

    @Override
    public Optional<Decoding> firstStage() {
        return Optional.ofNullable(firstStage).map(FirstStage::autoencoder);
    }

    @Override
    public INDArray reconstruct(INDArray images, Options o) {
        INDArray codes = encoder.encode(images);
        return decode(codes, ones(codes.size(0)), start(images, codes, o), o.ddim(), o.seed());
    }

    @Override
    public INDArray swap(INDArray sources, INDArray targets, Options o) {
        INDArray tgt = encoder.encode(targets);
        INDArray xT = start(targets, tgt, o);
        return Decoding.swapUnits(encoder.encode(sources), tgt, config.model().unitDim(),
                codes -> decode(codes, ones(codes.size(0)), tile(xT, units()), o.ddim(), o.seed()));
    }

    @Override
    public INDArray traverse(INDArray image, int dim, double[] values, Options o) {
        INDArray code = encoder.encode(image);
        INDArray codes = Decoding.traversedCodes(code, dim, values);
        return decode(codes, ones(values.length), tile(start(image, code, o), values.length), o.ddim(), o.seed());
    }

    /** Unit {@code unit} of the image's code moved along {@code direction} (its PCA direction), decoded with every unit. */
    @Override
    public INDArray traverseUnit(INDArray image, int unit, double[] mean, double[] direction, double[] values, Options o) {
        if (direction.length != config.model().unitDim())
            throw new IllegalArgumentException("traverse: a direction of " + direction.length + " entries for units of " + config.model().unitDim());
        INDArray code = encoder.encode(image);
        INDArray codes = Decoding.unitTraversedCodes(code, unit, mean, direction, values);
        return decode(codes, ones(values.length), tile(start(image, code, o), values.length), o.ddim(), o.seed());
    }

    /** Eq. 6: cell (c, i) is DDIM from image i's start with only unit c of its code. {@code [N, B, C, H, W]}. */
    @Override
    public INDArray partial(INDArray images, Options o) {
        int n = units(), b = (int) images.size(0);
        INDArray codes = encoder.encode(images);
        INDArray xT = start(images, codes, o);
        INDArray weights = Nd4j.zeros(DataType.FLOAT, (long) n * b, n);
        for (int c = 0; c < n; c++) for (int i = 0; i < b; i++) weights.putScalar((long) c * b + i, c, 1.0);
        INDArray out = decode(tile(codes, n), weights, tile(xT, n), o.ddim(), o.seed());
        return out.reshape(n, b, out.size(1), out.size(2), out.size(3));
    }

    /** The parent's unconditional samples (every unit weight 0: eps = eps_theta). */
    @Override
    public INDArray sample(int n, DdimConfig ddim, long seed) {
        var m = config.model();
        INDArray xT = new SeededNoise(seed).gaussian(DataType.FLOAT, n, config.diffusionChannels(), config.diffusionSize(), config.diffusionSize());
        return decode(Nd4j.zeros(DataType.FLOAT, n, m.codeDim()), Nd4j.zeros(DataType.FLOAT, n, units()), xT, ddim, seed);
    }

    private INDArray start(INDArray images, INDArray codes, Options o) {
        int c = config.diffusionChannels(), r = config.diffusionSize();
        return switch (o.start()) {
            case NOISE -> new SeededNoise(o.seed()).gaussian(DataType.FLOAT, images.size(0), c, r, r);
            case INVERTED -> new DdimSampler(diffusion, o.ddim()).invert(denoiser(codes, ones(codes.size(0))),
                    firstStage == null ? images.castTo(DataType.FLOAT) : firstStage.encode(images));
        };
    }

    private INDArray ones(long rows) {
        return Nd4j.ones(DataType.FLOAT, rows, units());
    }

    /** {@code times} copies of {@code x} along the batch axis, copy-major. */
    private static INDArray tile(INDArray x, int times) {
        INDArray[] copies = new INDArray[times];
        java.util.Arrays.fill(copies, x);
        return Nd4j.concat(0, copies);
    }
}
