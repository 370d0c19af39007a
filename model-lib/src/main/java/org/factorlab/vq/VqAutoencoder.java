package org.factorlab.vq;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.factorlab.model.Decoding;
import org.factorlab.model.RepresentationEncoder;
import org.factorlab.model.TrainedModel;
import org.factorlab.nn.CompiledGraph;
import org.factorlab.nn.GradientCheck;
import org.factorlab.nn.GraphParameters;
import org.factorlab.nn.Scope;
import org.factorlab.train.Checkpoint;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A trained VQ first stage, the API latent diffusion models use. Images are {@code [B, C, H, W]} in [-1, 1];
 * latents are {@code [B, embedDim, H/f, W/f]} <em>scaled</em> by {@link #scaleFactor()} (LDM's
 * {@code scale_by_std}): {@link #encode} returns {@code scale * quant_conv(Encoder(x))}, the pre-quantisation latent,
 * and {@link #decode} divides by the scale, quantises (unless asked not to: DisDiff's differentiable path) and
 * decodes. As a {@link TrainedModel} it reconstructs through quantisation; its code for evaluation is the flattened
 * latent; factor swaps and traversals are not offered (a latent position is no factor). Not thread-safe.
 */
public final class VqAutoencoder implements TrainedModel, Decoding {
    private static final String IMAGES = "images";
    private static final String LATENT_IN = "latent_in";
    private static final String LATENT_OUT = "latent_out";
    private static final String IMAGE_OUT = "image_out";

    private final VqConfig config;
    private final double scale;
    private final Map<String, INDArray> parameters;
    private final INDArray codebook;
    private final CompiledGraph encoder;
    private final CompiledGraph decoder;

    /**
     * @param parameters  the trained parameters by name (as the session's state names them)
     * @param scaleFactor LDM's scale_factor (1 / std of the latents)
     */
    public VqAutoencoder(VqConfig config, Map<String, INDArray> parameters, double scaleFactor) {
        if (!(scaleFactor > 0 && Double.isFinite(scaleFactor)))
            throw new IllegalArgumentException("vqae: " + VqSession.SCALE_FACTOR + " must be positive and finite, got " + scaleFactor);
        this.config = config;
        this.scale = scaleFactor;
        this.parameters = parameters;
        VqConfig.Model m = config.model();
        SameDiff enc = SameDiff.create();
        SDVariable x = enc.placeHolder(IMAGES, DataType.FLOAT, -1, m.imageChannels(), m.imageSize(), m.imageSize());
        VqNetworks.encode(Scope.root(enc, DataType.FLOAT, 0), x, m).x().rename(LATENT_OUT);
        GraphParameters.assign(enc, parameters, "vqae");
        SameDiff dec = SameDiff.create();
        SDVariable z = dec.placeHolder(LATENT_IN, DataType.FLOAT, -1, m.embedDim(), m.latentSize(), m.latentSize());
        VqNetworks.decode(Scope.root(dec, DataType.FLOAT, 0), z, m).image().rename(IMAGE_OUT);
        GraphParameters.assign(dec, parameters, "vqae");
        String cb = VqNetworks.QUANTIZE + "/" + VqNetworks.CODEBOOK;
        INDArray c = parameters.get(cb);
        if (c == null || !Arrays.equals(c.shape(), new long[]{m.nEmbed(), m.embedDim()}))
            throw new IllegalArgumentException("vqae: parameters lack '" + cb + "' [" + m.nEmbed() + ", " + m.embedDim() + "]");
        this.codebook = c.castTo(DataType.FLOAT).dup();
        this.encoder = CompiledGraph.outputs(enc, List.of(LATENT_OUT));
        this.decoder = CompiledGraph.outputs(dec, List.of(IMAGE_OUT));
    }

    /** The first stage of a "vqae" checkpoint; errors name the file and, for a wrong family, the key {@code model}. */
    public static VqAutoencoder fromCheckpoint(Checkpoint c, String nameForErrors) {
        if (!VqFamily.NAME.equals(c.model()))
            throw new IllegalArgumentException(nameForErrors + " [model]: a '" + c.model() + "' checkpoint, not a " + VqFamily.NAME
                    + " first stage");
        VqConfig cfg = VqConfig.parse(c.provenance().configText(), nameForErrors + " [config.yaml]");
        INDArray s = c.state().parameters().get(VqSession.SCALE_FACTOR);
        if (s == null) throw new IllegalArgumentException(nameForErrors + " [params/" + VqSession.SCALE_FACTOR + "]: missing");
        try {
            return new VqAutoencoder(cfg, c.inferenceParameters(), s.getDouble(0));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(nameForErrors + ": " + e.getMessage(), e);
        }
    }

    public VqConfig config() {
        return config;
    }

    /** The trained parameters by name (to build this first stage into another graph, e.g. DisDiff's). */
    public Map<String, INDArray> parameters() {
        return java.util.Collections.unmodifiableMap(parameters);
    }

    /** LDM's scale_factor: latents are multiplied by it after encoding and divided by it before decoding. */
    public double scaleFactor() {
        return scale;
    }

    /**
     * This first stage with LDM's {@code scale_by_std} recomputed on {@code images}: scale = 1 / std (unbiased) of
     * their unscaled latents. What a latent diffusion model does on its first batch; the checkpoint's own value comes
     * from the last training batch under the parameters before the last update.
     */
    public VqAutoencoder withScaleFactorOf(INDArray images) {
        double std = encode(images).div(scale).castTo(DataType.DOUBLE).stdNumber().doubleValue();
        return new VqAutoencoder(config, parameters, 1.0 / std);
    }

    /** {@code [embedDim, H/f, W/f]}. */
    public long[] latentShape() {
        VqConfig.Model m = config.model();
        return new long[]{m.embedDim(), m.latentSize(), m.latentSize()};
    }

    /** The scaled pre-quantisation latent {@code [B, embedDim, H/f, W/f]} of images {@code [B, C, H, W]}. */
    public INDArray encode(INDArray images) {
        VqConfig.Model m = config.model();
        checkShape("images", images, m.imageChannels(), m.imageSize());
        synchronized (encoder) {
            return encoder.run(Map.of(IMAGES, images.castTo(DataType.FLOAT))).get(LATENT_OUT).mul(scale);
        }
    }

    /** Images {@code [B, C, H, W]} of scaled latents; {@code quantize} snaps each position to its nearest code first. */
    public INDArray decode(INDArray latent, boolean quantize) {
        VqConfig.Model m = config.model();
        checkShape("latent", latent, m.embedDim(), m.latentSize());
        INDArray z = latent.castTo(DataType.FLOAT).div(scale);
        if (quantize) z = quantizeUnscaled(z);
        synchronized (decoder) {
            return decoder.run(Map.of(LATENT_IN, z)).get(IMAGE_OUT).dup();
        }
    }

    /** The nearest code (L2) of each position of a scaled latent, scaled back: {@code [B, e, r, r]}. */
    public INDArray quantize(INDArray latent) {
        return quantizeUnscaled(latent.castTo(DataType.FLOAT).div(scale)).mul(scale);
    }

    /** Code indices {@code [B * r * r]} (row-major over (b, y, x)) of a scaled latent. */
    public long[] codeIndices(INDArray latent) {
        return nearest(tokens(latent.castTo(DataType.FLOAT).div(scale)));
    }

    private INDArray quantizeUnscaled(INDArray z) {
        INDArray flat = tokens(z);
        long[] idx = nearest(flat);
        INDArray q = Nd4j.create(DataType.FLOAT, flat.shape());
        for (int i = 0; i < idx.length; i++) q.putRow(i, codebook.getRow(idx[i]));
        long b = z.size(0), e = z.size(1), r = z.size(2);
        return q.reshape(b, r, r, e).permute(0, 3, 1, 2).dup('c');
    }

    /** {@code [B, e, r, r] -> [B r r, e]}. */
    private static INDArray tokens(INDArray z) {
        return z.permute(0, 2, 3, 1).dup('c').reshape(z.size(0) * z.size(2) * z.size(3), z.size(1));
    }

    /** argmin_k ||z - e_k||^2 per row, as the training graph computes it ({@code ||z||^2 + ||e||^2 - 2 z.e}). */
    private long[] nearest(INDArray flat) {
        INDArray d = flat.mmul(codebook.transpose()).muli(-2.0)
                .addiColumnVector(flat.mul(flat).sum(1).reshape(-1, 1))
                .addiRowVector(codebook.mul(codebook).sum(1).reshape(1, -1));
        return Nd4j.argMin(d, 1).toLongVector();
    }

    private static void checkShape(String what, INDArray a, long channels, long side) {
        if (a.rank() != 4 || a.size(1) != channels || a.size(2) != side || a.size(3) != side)
            throw new IllegalArgumentException("vqae: " + what + " " + Arrays.toString(a.shape()) + ", expected [B, " + channels + ", "
                    + side + ", " + side + "]");
    }


    // TrainedModel

    @Override
    public String family() {
        return VqFamily.NAME;
    }

    /** For evaluation: the flattened scaled latent {@code [B, embedDim * r * r]}. */
    @Override
    public RepresentationEncoder encoder() {
        return new RepresentationEncoder() {
            @Override
            public INDArray encode(INDArray images) {
                INDArray z = VqAutoencoder.this.encode(images);
                return z.reshape(z.size(0), codeDim());
            }

            @Override
            public int codeDim() {
                long[] s = latentShape();
                return (int) (s[0] * s[1] * s[2]);
            }
        };
    }

    @Override
    public int imageSize() {
        return config.model().imageSize();
    }

    @Override
    public Optional<Decoding> decoding() {
        return Optional.of(this);
    }

    // Decoding

    @Override
    public int units() {
        return config.model().latentSize() * config.model().latentSize();
    }

    @Override
    public String unitName() {
        return "latent position";
    }

    @Override
    public INDArray reconstruct(INDArray images, Options o) {
        return decode(encode(images), true);
    }

    @Override
    public INDArray swap(INDArray sources, INDArray targets, Options o) {
        throw lacks("factor units to swap (a first stage's latent positions are not factors)");
    }

    @Override
    public INDArray traverse(INDArray image, int dim, double[] values, Options o) {
        throw lacks("code entries to traverse (a first stage's latent positions are not factors)");
    }
}
