package org.factorlab.encdiff;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.factorlab.diffusion.DdimConfig;
import org.factorlab.diffusion.DdimSampler;
import org.factorlab.diffusion.Denoiser;
import org.factorlab.diffusion.GaussianDiffusion;
import org.factorlab.diffusion.SeededNoise;
import org.factorlab.nn.Blocks;
import org.factorlab.nn.CompiledGraph;
import org.factorlab.nn.Conditioning;
import org.factorlab.nn.GradientCheck;
import org.factorlab.nn.GraphParameters;
import org.factorlab.nn.Layers;
import org.factorlab.nn.Scope;
import org.factorlab.nn.TokenConfig;
import org.factorlab.nn.TokenMlps;
import org.factorlab.latent.FirstStage;
import org.factorlab.latent.FirstStageConfig;
import org.factorlab.model.AttentionMaps;
import org.factorlab.model.Parents;
import org.factorlab.model.Decoding;
import org.factorlab.model.TrainedModel;
import org.factorlab.train.Checkpoint;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * A trained EncDiff for inference, built from a checkpoint's config and inference (EMA) parameters: encoding, the
 * token-conditional denoiser as the diffusion core's {@link Denoiser}, DDIM reconstruction (from seeded noise or
 * from the DDIM-inverted x_T), factor swaps, scalar traversals and cross-attention maps.
 *
 * <p>Images are {@code [B, C, H, W]} in [-1, 1]; tokens are {@code [B, K, d]}. Every method that draws noise takes a
 * seed and draws it from {@link SeededNoise}, so the same call gives the same pictures. Not thread-safe.
 */
public final class EncDiffModel implements TrainedModel, Decoding, AttentionMaps {
    private static final String CODE_IN = "code_in";
    /** Suffix of the cross-attention softmax outputs {@code <transformer>/block<d>/attn2/probs} in the denoiser graph. */
    private static final String CROSS_PROBS_SUFFIX = "/" + Blocks.CROSS_ATTENTION + "/" + Layers.ATTENTION_PROBS;

    private final EncDiffConfig config;
    private final EncDiffEncoder encoder;
    private final SameDiff denoiser;
    private final SameDiff tokenMlps;
    private final GaussianDiffusion diffusion;
    private final List<String> crossAttentionProbs;
    /** Compiled on first use (after the parameters are assigned), one per requested output list; guarded by itself. */
    private final Map<List<String>, CompiledGraph> compiledDenoisers = new java.util.HashMap<>();
    private final CompiledGraph compiledTokenMlps;
    /** A latent model's first stage: DDIM runs on its latent, pictures are decoded through it; null in pixel space. */
    private final FirstStage firstStage;

    public EncDiffModel(EncDiffConfig config, Map<String, INDArray> parameters) {
        this(config, parameters, null);
    }

    public EncDiffModel(EncDiffConfig config, Map<String, INDArray> parameters, FirstStage firstStage) {
        if (config.firstStage().latent() != (firstStage != null))
            throw new IllegalArgumentException(FirstStageConfig.KEY + ": " + (firstStage == null
                    ? "a latent model needs its first stage (load it with its parents)" : "a pixel model takes no first stage"));
        this.config = config;
        this.firstStage = firstStage;
        this.encoder = new EncDiffEncoder(config, parameters);
        this.denoiser = EncDiffGraph.denoiser(config, DataType.FLOAT, 0).sd();
        GraphParameters.assign(denoiser, parameters, "EncDiff");
        this.tokenMlps = codeToTokensGraph(config);
        GraphParameters.assign(tokenMlps, parameters, "EncDiff");
        this.compiledTokenMlps = CompiledGraph.outputs(tokenMlps, List.of(EncDiffGraph.TOKENS));
        this.diffusion = new GaussianDiffusion(config.diffusion());
        List<String> probs = new ArrayList<>();
        for (SDVariable v : denoiser.variables())
            if (v.name().startsWith(EncDiffGraph.UNET_SCOPE + "/") && v.name().endsWith(CROSS_PROBS_SUFFIX)) probs.add(v.name());
        this.crossAttentionProbs = List.copyOf(probs);
    }

    /** The model of an "encdiff" checkpoint with its parents (a latent model's first stage). */
    public static EncDiffModel fromCheckpoint(Checkpoint c, Parents parents, String nameForErrors) {
        if (!EncDiffFamily.NAME.equals(c.model()))
            throw new IllegalArgumentException(nameForErrors + ": a '" + c.model() + "' checkpoint, not " + EncDiffFamily.NAME);
        EncDiffConfig cfg = EncDiffConfig.parse(c.provenance().configText(), nameForErrors + " [config.yaml]");
        try {
            FirstStage fs = FirstStage.load(cfg.firstStage(), cfg.model().imageSize(), cfg.model().imageChannels(), parents,
                    nameForErrors + " [config.yaml]");
            return new EncDiffModel(cfg, c.inferenceParameters(), fs);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(nameForErrors + ": " + e.getMessage(), e);
        }
    }

    /** The model of an "encdiff" checkpoint, with its EMA parameters where it has them. */
    public static EncDiffModel fromCheckpoint(Checkpoint c, String nameForErrors) {
        if (!EncDiffFamily.NAME.equals(c.model()))
            throw new IllegalArgumentException(nameForErrors + ": a '" + c.model() + "' checkpoint, not " + EncDiffFamily.NAME);
        EncDiffConfig cfg = EncDiffConfig.parse(c.provenance().configText(), nameForErrors + " [config.yaml]");
        try {
            return new EncDiffModel(cfg, c.inferenceParameters());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(nameForErrors + ": " + e.getMessage(), e);
        }
    }

    public EncDiffConfig config() {
        return config;
    }

    public GaussianDiffusion diffusion() {
        return diffusion;
    }

    @Override
    public EncDiffEncoder encoder() {
        return encoder;
    }

    @Override
    public String family() {
        return EncDiffFamily.NAME;
    }

    @Override
    public int imageSize() {
        return config.model().imageSize();
    }

    @Override
    public java.util.Optional<Decoding> decoding() {
        return java.util.Optional.of(this);
    }

    @Override
    public boolean reverseDiffusion() {
        return true;
    }

    @Override
    public java.util.Optional<AttentionMaps> attentionMaps() {
        return config.model().conditioning() == Conditioning.CROSS_ATTENTION && !crossAttentionProbs.isEmpty()
                ? java.util.Optional.of(this) : java.util.Optional.empty();
    }

    @Override
    public AttentionMaps.Result attentionMaps(INDArray images, Options o) {
        INDArray tokens = tokens(images);
        INDArray xT = startOf(images, tokens, o.ddim(), o.start(), o.seed());
        return new AttentionMaps.Result(attentionMaps(tokens, xT, o.ddim(), o.seed()), decode(tokens, xT, o.ddim(), o.seed()));
    }

    @Override
    public int attentionLayers() {
        return crossAttentionProbs.size();
    }

    @Override
    public int units() {
        return config.model().tokens().count();
    }

    @Override
    public String unitName() {
        return "token";
    }

    @Override
    public INDArray reconstruct(INDArray images, Options o) {
        return reconstruct(images, o.ddim(), o.start(), o.seed());
    }

    @Override
    public INDArray swap(INDArray sources, INDArray targets, Options o) {
        return swap(sources, targets, o.ddim(), o.start(), o.seed());
    }

    @Override
    public INDArray traverse(INDArray image, int dim, double[] values, Options o) {
        return traverse(image, dim, values, o.ddim(), o.start(), o.seed());
    }

    /** The representation: {@code [B, codeDim]} (the 20 scalars for EncDiff). */
    public INDArray encode(INDArray images) {
        return encoder.encode(images);
    }

    /** Concept tokens {@code [B, K, d]} of images. */
    public INDArray tokens(INDArray images) {
        return encoder.tokens(images);
    }

    /** Concept tokens {@code [B, K, d]} of codes {@code [B, codeDim]} (for traversals: edited codes). */
    public INDArray tokensOfCode(INDArray code) {
        TokenConfig t = config.model().tokens();
        if (code.rank() != 2 || code.size(1) != t.codeDim())
            throw new IllegalArgumentException("EncDiff: code " + Arrays.toString(code.shape()) + ", expected [B, " + t.codeDim() + "]");
        synchronized (compiledTokenMlps) {
            INDArray flat = compiledTokenMlps.run(Map.of(CODE_IN, code.castTo(DataType.FLOAT))).get(EncDiffGraph.TOKENS);
            return flat.reshape(code.size(0), t.count(), t.dim()).dup();
        }
    }

    /** The model output (in the diffusion's parameterization) for {@code x_t [B, C, H, W]}, timesteps and tokens. */
    public INDArray predict(INDArray xt, int[] t, INDArray tokens) {
        return denoiserOutputs(xt, t, tokens, List.of(EncDiffGraph.PRED)).get(EncDiffGraph.PRED);
    }

    /** The denoiser conditioned on {@code tokens [B, K, d]}, for {@link DdimSampler}. */
    public Denoiser denoiser(INDArray tokens) {
        return (xt, t) -> predict(xt, t, tokens);
    }

    /**
     * DDIM from {@code xT} conditioned on tokens; {@code seed} feeds the eta > 0 steps. Returns images: a latent
     * model's sample is decoded through its first stage.
     */
    public INDArray decode(INDArray tokens, INDArray xT, DdimConfig ddim, long seed) {
        INDArray x0 = new DdimSampler(diffusion, ddim).sample(denoiser(tokens), xT, new SeededNoise(seed));
        return firstStage == null ? x0 : firstStage.decode(x0);
    }

    /** Gaussian x_T drawn from {@code seed}: {@code [n, C, H, W]}, or the latent's shape for a latent model. */
    public INDArray noise(int n, long seed) {
        var m = config.model();
        int c = config.firstStage().diffusionChannels(m.imageChannels()), r = config.firstStage().diffusionSize(m.imageSize());
        return new SeededNoise(seed).gaussian(DataType.FLOAT, n, c, r, r);
    }

    /** Deterministic DDIM inversion (eta = 0) of images (their latents, for a latent model) under their own tokens: x_0 -> x_T. */
    public INDArray invert(INDArray images, INDArray tokens, DdimConfig ddim) {
        INDArray x0 = diffusionInput(images);
        return new DdimSampler(diffusion, ddim).invert(denoiser(tokens), x0);
    }

    @Override
    public java.util.Optional<Decoding> firstStage() {
        return java.util.Optional.ofNullable(firstStage).map(FirstStage::autoencoder);
    }

    /** What the diffusion runs on for these images: the images, or their first-stage latents. */
    public INDArray diffusionInput(INDArray images) {
        return firstStage == null ? images.castTo(DataType.FLOAT) : firstStage.encode(images);
    }

    /** Encode, then DDIM from {@code start}. Returns {@code [B, C, H, W]}. */
    public INDArray reconstruct(INDArray images, DdimConfig ddim, Start start, long seed) {
        INDArray tokens = tokens(images);
        return decode(tokens, startOf(images, tokens, ddim, start, seed), ddim, seed);
    }

    /**
     * Factor swaps as in EncDiff's figure 5: for each token c (rows) and each pair i (columns), the target's tokens
     * with token c replaced by the source's token c, decoded from the target's start. Returns
     * {@code [K, P, C, H, W]}.
     */
    public INDArray swap(INDArray sources, INDArray targets, DdimConfig ddim, Start start, long seed) {
        if (!Arrays.equals(sources.shape(), targets.shape()))
            throw new IllegalArgumentException("EncDiff swap: sources " + Arrays.toString(sources.shape()) + " and targets "
                    + Arrays.toString(targets.shape()) + " differ in shape");
        int p = (int) targets.size(0);
        int k = config.model().tokens().count();
        INDArray src = tokens(sources), tgt = tokens(targets);
        INDArray xT = startOf(targets, tgt, ddim, start, seed);
        INDArray[] tokens = new INDArray[k * p], starts = new INDArray[k * p];
        for (int c = 0; c < k; c++)
            for (int i = 0; i < p; i++) {
                INDArray tok = tgt.get(NDArrayIndex.point(i)).dup();
                tok.putRow(c, src.get(NDArrayIndex.point(i), NDArrayIndex.point(c)));
                tokens[c * p + i] = tok;
                starts[c * p + i] = xT.get(NDArrayIndex.point(i));
            }
        INDArray out = decode(Nd4j.stack(0, tokens), Nd4j.stack(0, starts), ddim, seed);
        return out.reshape(prepend(k, prepend(p, Arrays.copyOfRange(out.shape(), 1, 4))));
    }

    /**
     * Traversal of code entry {@code dim}: the image's code with entry {@code dim} set to each of {@code values},
     * decoded from one seeded x_T shared by all values. Returns {@code [values, C, H, W]}.
     */
    public INDArray traverse(INDArray image, int dim, double[] values, DdimConfig ddim, Start start, long seed) {
        if (image.rank() != 4 || image.size(0) != 1)
            throw new IllegalArgumentException("EncDiff traverse: one image [1, C, H, W] expected, got " + Arrays.toString(image.shape()));
        int codeDim = config.model().tokens().codeDim();
        if (dim < 0 || dim >= codeDim) throw new IllegalArgumentException("EncDiff traverse: dim " + dim + " outside [0, " + codeDim + ")");
        INDArray code = encode(image);
        INDArray codes = Nd4j.create(DataType.FLOAT, values.length, codeDim);
        for (int j = 0; j < values.length; j++)
            for (int e = 0; e < codeDim; e++) codes.putScalar(j, e, e == dim ? values[j] : code.getDouble(0, e));
        INDArray xT = startOf(image, tokens(image), ddim, start, seed);
        INDArray[] starts = new INDArray[values.length];
        java.util.Arrays.fill(starts, xT.get(NDArrayIndex.point(0)));
        return decode(tokensOfCode(codes), Nd4j.stack(0, starts), ddim, seed);
    }

    /** Empirical quantiles {@code [q, codeDim]} of each code entry over a batch of codes, at {@code probs} in [0, 1]. */
    public static double[][] quantiles(INDArray codes, double[] probs) {
        return Decoding.quantiles(codes, probs);
    }

    /**
     * Cross-attention maps {@code [B, K, H, W]} (image resolution): at each DDIM step of decoding {@code xT} under
     * {@code tokens}, every cross-attention layer's softmax over the K tokens, averaged over heads, upsampled
     * bilinearly to the image, then averaged over layers and steps. Each position's K values sum to 1.
     */
    public INDArray attentionMaps(INDArray tokens, INDArray xT, DdimConfig ddim, long seed) {
        if (config.model().conditioning() != Conditioning.CROSS_ATTENTION || crossAttentionProbs.isEmpty())
            throw new IllegalStateException("EncDiff attention maps need model.conditioning: cross_attention (this model uses "
                    + config.model().conditioning() + ")");
        DdimSampler sampler = new DdimSampler(diffusion, ddim);
        int[] ts = sampler.timesteps();
        SeededNoise noise = new SeededNoise(seed);
        int r = config.model().imageSize();
        INDArray sum = Nd4j.zeros(DataType.DOUBLE, xT.size(0), config.model().tokens().count(), r, r);
        INDArray x = xT;
        List<String> outs = new ArrayList<>(crossAttentionProbs);
        outs.add(EncDiffGraph.PRED);
        for (int i = ts.length - 1; i >= 0; i--) {
            Map<String, INDArray> o = denoiserOutputs(x, GaussianDiffusion.fill((int) x.size(0), ts[i]), tokens, outs);
            for (String name : crossAttentionProbs) sum.addi(upsampledHeadMean(o.get(name), r));
            x = sampler.step(i, x, o.get(EncDiffGraph.PRED), noise).next();
        }
        return sum.divi((double) ts.length * crossAttentionProbs.size());
    }

    /**
     * The raw cross-attention probabilities {@code [B, heads, N, K]} of every layer (keyed by variable name) for one
     * denoiser evaluation; each sums to 1 over the K tokens.
     */
    public Map<String, INDArray> crossAttention(INDArray xt, int[] t, INDArray tokens) {
        return denoiserOutputs(xt, t, tokens, crossAttentionProbs);
    }

    /** Names of the cross-attention softmax outputs, one per transformer block (empty for AdaGN). */
    public List<String> crossAttentionLayers() {
        return crossAttentionProbs;
    }

    private INDArray startOf(INDArray images, INDArray tokens, DdimConfig ddim, Start start, long seed) {
        return switch (start) {
            case NOISE -> noise((int) images.size(0), seed);
            case INVERTED -> invert(images, tokens, ddim);
        };
    }

    private Map<String, INDArray> denoiserOutputs(INDArray xt, int[] t, INDArray tokens, List<String> outputs) {
        TokenConfig tc = config.model().tokens();
        long b = xt.size(0);
        if (tokens.rank() != 3 || tokens.size(0) != b || tokens.size(1) != tc.count() || tokens.size(2) != tc.dim())
            throw new IllegalArgumentException("EncDiff denoiser: tokens " + Arrays.toString(tokens.shape()) + ", expected ["
                    + b + ", " + tc.count() + ", " + tc.dim() + "]");
        Map<String, INDArray> ph = new LinkedHashMap<>();
        ph.put(EncDiffGraph.XT, xt.castTo(DataType.FLOAT));
        ph.put(EncDiffGraph.T, GaussianDiffusion.timestepArray(t, DataType.FLOAT));
        ph.put(EncDiffGraph.TOKENS_IN, tokens.castTo(DataType.FLOAT).reshape(b * tc.count(), tc.dim()));
        Map<String, INDArray> out;
        synchronized (compiledDenoisers) {
            out = compiledDenoisers.computeIfAbsent(List.copyOf(outputs), o -> CompiledGraph.outputs(denoiser, o)).run(ph);
        }
        Map<String, INDArray> copy = new LinkedHashMap<>();
        for (String o : outputs) copy.put(o, out.get(o).dup());
        return copy;
    }

    /** {@code probs [B, heads, N, K]} with N = h*h -> head mean, bilinearly upsampled: {@code [B, K, r, r]}. */
    static INDArray upsampledHeadMean(INDArray probs, int r) {
        long b = probs.size(0), n = probs.size(2), k = probs.size(3);
        int h = (int) Math.round(Math.sqrt(n));
        if ((long) h * h != n) throw new IllegalStateException("attention over " + n + " positions is not a square map");
        INDArray mean = probs.castTo(DataType.DOUBLE).mean(1).reshape(b, h, h, k).permute(0, 3, 1, 2).dup('c');
        return h == r ? mean : bilinear(mean, r);
    }

    /** Bilinear resize {@code [B, K, h, h] -> [B, K, r, r]} with half-pixel centres (PyTorch align_corners=False). */
    static INDArray bilinear(INDArray in, int r) {
        int b = (int) in.size(0), k = (int) in.size(1), h = (int) in.size(2);
        double[] src = in.dup('c').data().asDouble();
        double[] dst = new double[b * k * r * r];
        double scale = (double) h / r;
        for (int y = 0; y < r; y++) {
            double sy = Math.max(0, (y + 0.5) * scale - 0.5);
            int y0 = Math.min((int) sy, h - 1), y1 = Math.min(y0 + 1, h - 1);
            double fy = sy - y0;
            for (int x = 0; x < r; x++) {
                double sx = Math.max(0, (x + 0.5) * scale - 0.5);
                int x0 = Math.min((int) sx, h - 1), x1 = Math.min(x0 + 1, h - 1);
                double fx = sx - x0;
                for (int p = 0; p < b * k; p++) {
                    int o = p * h * h;
                    double top = src[o + y0 * h + x0] * (1 - fx) + src[o + y0 * h + x1] * fx;
                    double bot = src[o + y1 * h + x0] * (1 - fx) + src[o + y1 * h + x1] * fx;
                    dst[(p * r + y) * r + x] = top * (1 - fy) + bot * fy;
                }
            }
        }
        return Nd4j.create(dst, new long[]{b, k, r, r}, DataType.DOUBLE);
    }

    private static SameDiff codeToTokensGraph(EncDiffConfig cfg) {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, DataType.FLOAT, 0);
        SDVariable code = sd.placeHolder(CODE_IN, DataType.FLOAT, -1, cfg.model().tokens().codeDim());
        SDVariable tokens = TokenMlps.tokens(root.child(EncDiffGraph.TOKENS_SCOPE), cfg.model().tokens(), code);
        // VECTOR tokens are a reshape of the placeholder itself; an identity keeps the output name available.
        tokens.add(0.0).rename(EncDiffGraph.TOKENS);
        return sd;
    }


    private static long[] prepend(long first, long[] rest) {
        long[] s = new long[rest.length + 1];
        s[0] = first;
        System.arraycopy(rest, 0, s, 1, rest.length);
        return s;
    }
}
