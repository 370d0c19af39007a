package org.factorlab.vae;

import java.util.ArrayList;
import java.util.List;
import org.factorlab.nn.Layers;
import org.factorlab.nn.Scope;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.DeConv2DConfig;

/**
 * Graph factories of the VAE baselines (beta-VAE, beta-TC-VAE, FactorVAE, iVAE): the convolutional Gaussian encoder
 * and deconvolutional decoder of disentanglement_lib ({@code conv_encoder}, {@code deconv_decoder}), its FactorVAE
 * discriminator ({@code fc_discriminator}) and the iVAE conditional prior p(z|u). Feature maps are NCHW; batch size is
 * the only dynamic dimension. Initialisation is PyTorch's default (U(+-1/sqrt(fan_in)) for weights and biases), drawn
 * per parameter name by {@link Scope}, so the PyTorch twin in bench/vae_train_step.py starts from the same law.
 *
 * <p>Image sizes: 64 (four stride-2 stages, 64 -> 4) and 32 (one fewer stage, 32 -> 4). Both end at a 4x4x64 map, so
 * the dense layers (1024 -> 256 and 256 -> 1024) are the same at both sizes.
 */
public final class VaeNetworks {
    /** Conventional scope names under which a family builds each network (its optimiser groups follow them). */
    public static final String ENCODER = "encoder";
    public static final String DECODER = "decoder";
    public static final String DISCRIMINATOR = "discriminator";
    public static final String PRIOR = "prior";

    /** Local names of the outputs, under the network's scope (e.g. {@code encoder/mean}). */
    public static final String MEAN = "mean";
    public static final String LOG_VAR = "log_var";
    public static final String LOGITS = "logits";

    /** The config key that selects the image size; named in errors. */
    public static final String IMAGE_SIZE_KEY = "model.imageSize";

    /** Width of the last feature map (4x4x64) and of the dense layer before the heads, as in disentanglement_lib. */
    public static final int MAP_SIDE = 4;
    public static final int MAP_CHANNELS = 64;
    public static final int FLAT = MAP_SIDE * MAP_SIDE * MAP_CHANNELS;
    public static final int DENSE = 256;

    /** disentanglement_lib's discriminator: six hidden layers of 1000 units, leaky ReLU 0.2 (TF's default slope). */
    public static final int DISCRIMINATOR_LAYERS = 6;
    public static final int DISCRIMINATOR_WIDTH = 1000;
    public static final double DISCRIMINATOR_SLOPE = 0.2;

    /** ilkhem/iVAE's MLP: three linear layers (two hidden), leaky ReLU slope 0.1; its default hidden width is 50. */
    public static final int PRIOR_LAYERS = 3;
    public static final double PRIOR_SLOPE = 0.1;
    public static final int PRIOR_HIDDEN = 50;

    /** A diagonal Gaussian {@code [B, D]}: mean and log-variance. */
    public record Gaussian(SDVariable mean, SDVariable logVar) {
    }

    private VaeNetworks() {
    }

    /**
     * Number of stride-2 stages for {@code imageSize}: 4 at 64, 3 at 32.
     *
     * @throws IllegalArgumentException for any other size, naming {@link #IMAGE_SIZE_KEY}
     */
    public static int stages(int imageSize) {
        return switch (imageSize) {
            case 64 -> 4;
            case 32 -> 3;
            default -> throw new IllegalArgumentException(IMAGE_SIZE_KEY + " must be 32 or 64 for the VAE encoder/decoder, got "
                    + imageSize);
        };
    }

    /**
     * q(z|x): conv 32 k4 s2, conv 32 k4 s2, conv 64 k2 s2, conv 64 k2 s2 (ReLU; TF "same" padding, which for an even
     * input and stride 2 is 1 per side for k4 and 0 for k2), flatten, dense 256 ReLU, then dense heads for the means
     * and log-variances. At 32x32 the last k2 conv is left out, so the map is 4x4x64 at both sizes.
     *
     * @param x images {@code [B, channels, imageSize, imageSize]}
     */
    public static Gaussian encoder(Scope s, SDVariable x, int channels, int imageSize, int latents) {
        return encoder(s, x, channels, imageSize, latents, null, 0);
    }

    /**
     * As above, with {@code extra [B, extraDim]} concatenated to the flattened features before the dense layer (iVAE's
     * q(z|x,u)); {@code extra} null gives exactly the encoder above, with the same parameter shapes.
     */
    public static Gaussian encoder(Scope s, SDVariable x, int channels, int imageSize, int latents, SDVariable extra, int extraDim) {
        int[] widths = {32, 32, 64, 64};
        int[] kernels = {4, 4, 2, 2};
        int n = stages(imageSize);
        SDVariable h = x;
        int cin = channels;
        for (int i = 0; i < n; i++) {
            h = relu(Layers.conv2d(s.child("conv", i), h, cin, widths[i], kernels[i], 2, kernels[i] == 4 ? 1 : 0, false));
            cin = widths[i];
        }
        // NCHW flatten: a fixed permutation of TF's NHWC flatten, absorbed by the dense weights.
        SDVariable flat = h.reshape(-1, FLAT);
        if (extra != null) flat = s.sd().concat(1, flat, extra);
        SDVariable hidden = relu(Layers.linear(s.child("fc"), flat, FLAT + (extra == null ? 0 : extraDim), DENSE, true, false));
        SDVariable mean = Layers.linear(s.child("fc_mean"), hidden, DENSE, latents, true, false).rename(s.name(MEAN));
        SDVariable logVar = Layers.linear(s.child("fc_log_var"), hidden, DENSE, latents, true, false).rename(s.name(LOG_VAR));
        return new Gaussian(mean, logVar);
    }

    /**
     * p(x|z) as Bernoulli logits {@code [B, channels, imageSize, imageSize]}: dense 256 ReLU, dense 1024 ReLU, reshape
     * to {@code [B, 64, 4, 4]}, transposed convs k4 s2 pad 1 (each doubles the side) to 64, 32, 32 (ReLU) and
     * {@code channels} (no activation). At 32x32 the second 32-channel transposed conv is left out.
     */
    public static SDVariable decoder(Scope s, SDVariable z, int latents, int channels, int imageSize) {
        int n = stages(imageSize);
        SDVariable h = relu(Layers.linear(s.child("fc0"), z, latents, DENSE, true, false));
        h = relu(Layers.linear(s.child("fc1"), h, DENSE, FLAT, true, false));
        h = h.reshape(-1, MAP_CHANNELS, MAP_SIDE, MAP_SIDE);
        int[] widths = n == 4 ? new int[]{64, 32, 32, channels} : new int[]{64, 32, channels};
        int cin = MAP_CHANNELS;
        for (int i = 0; i < n; i++) {
            h = deconv2dDoubling(s.child("deconv", i), h, cin, widths[i]);
            if (i < n - 1) h = relu(h);
            cin = widths[i];
        }
        return h.rename(s.name(LOGITS));
    }

    /**
     * Transposed conv k4 s2 pad 1 (output side = 2 x input side; TF's "same" for these sizes, PyTorch's
     * {@code ConvTranspose2d(cin, cout, 4, 2, 1)}). libnd4j's deconv2d takes weights {@code [kH, kW, out, in]} and
     * computes {@code (in - 1) * s + k - 2p} without "same" mode. Init bound 1/sqrt(cout*k*k): PyTorch's default for
     * ConvTranspose2d, whose "fan_in" is computed from dimension 1 of its {@code [in, out, k, k]} weight.
     */
    public static SDVariable deconv2dDoubling(Scope s, SDVariable x, int cin, int cout) {
        int k = 4;
        double bound = 1.0 / Math.sqrt((double) cout * k * k);
        SDVariable w = s.uniform("weight", bound, k, k, cout, cin);
        SDVariable b = s.uniform("bias", bound, cout);
        DeConv2DConfig c = DeConv2DConfig.builder().kH(k).kW(k).sH(2).sW(2).pH(1).pW(1).dH(1).dW(1)
                .isSameMode(false).dataFormat(DeConv2DConfig.NCHW).build();
        return s.sd().cnn().deconv2d(x, w, b, c);
    }

    /**
     * Parameters of a stack of dense layers with leaky-ReLU between them (none after the last), applied with
     * {@link #apply}. Kept apart from the inputs so that one set of weights can be applied several times, and through
     * stop-gradients ({@link #stopGradient}) where a loss must not train them.
     */
    public record Mlp(List<SDVariable> weights, List<SDVariable> biases, double slope) {
        public Mlp {
            weights = List.copyOf(weights);
            biases = List.copyOf(biases);
        }

        public SDVariable apply(SDVariable x) {
            SDVariable h = x;
            for (int i = 0; i < weights.size(); i++) {
                h = h.mmul(weights.get(i)).add(biases.get(i));
                if (i < weights.size() - 1) h = h.getSameDiff().nn().leakyRelu(h, slope);
            }
            return h;
        }

        /** The same weights seen through StopGradient: a loss computed with the copy sends them no gradient. */
        public Mlp stopGradient() {
            List<SDVariable> w = new ArrayList<>(), b = new ArrayList<>();
            for (SDVariable v : weights) w.add(VaeLosses.stopGradient(v));
            for (SDVariable v : biases) b.add(VaeLosses.stopGradient(v));
            return new Mlp(w, b, slope);
        }
    }

    /** Parameters of an MLP {@code in -> hidden x (layers - 1) -> out}, layer i under {@code s/fc<i>}. */
    public static Mlp mlp(Scope s, int in, int hidden, int out, int layers, double slope) {
        List<SDVariable> w = new ArrayList<>(), b = new ArrayList<>();
        int width = in;
        for (int i = 0; i < layers; i++) {
            int next = i == layers - 1 ? out : hidden;
            double bound = 1.0 / Math.sqrt(width);
            Scope l = s.child("fc", i);
            w.add(l.uniform("weight", bound, width, next));
            b.add(l.uniform("bias", bound, next));
            width = next;
        }
        return new Mlp(w, b, slope);
    }

    /**
     * FactorVAE's discriminator parameters (disentanglement_lib {@code fc_discriminator}): six dense layers of
     * {@code hidden} units with leaky ReLU 0.2, then dense 2 (logit 0: "from q(z)", logit 1: "permuted").
     * {@code hidden} is {@link #DISCRIMINATOR_WIDTH} in the reference; tests use a small one.
     */
    public static Mlp discriminatorParams(Scope s, int latents, int hidden) {
        return mlp(s, latents, hidden, 2, DISCRIMINATOR_LAYERS + 1, DISCRIMINATOR_SLOPE);
    }

    /** The reference discriminator ({@link #DISCRIMINATOR_WIDTH} units) applied once: logits {@code [B, 2]}. */
    public static SDVariable discriminator(Scope s, SDVariable z, int latents) {
        return discriminator(s, z, latents, DISCRIMINATOR_WIDTH);
    }

    /** The discriminator applied once: logits {@code [B, 2]}. */
    public static SDVariable discriminator(Scope s, SDVariable z, int latents, int hidden) {
        return discriminatorParams(s, latents, hidden).apply(z).rename(s.name(LOGITS));
    }

    /**
     * iVAE's conditional prior p(z|u) = N(mean(u), exp(logVar(u))). ilkhem/iVAE learns only the log-variance (an MLP
     * {@code logl}, prior mean fixed at 0); the general iVAE (a Gaussian in the exponential family with sufficient
     * statistics z and z^2) also lets the mean depend on u. This factory builds both, as two separate MLPs in the
     * reference's style: {@code uDim -> hidden -> hidden -> latents}, leaky ReLU 0.1, under {@code s/mean} and
     * {@code s/log_var}. Use {@link #conditionalPrior(Scope, SDVariable, int, int, int, boolean)} with
     * {@code learnMean = false} for the reference's zero mean.
     */
    public static Gaussian conditionalPrior(Scope s, SDVariable u, int uDim, int latents, int hidden) {
        return conditionalPrior(s, u, uDim, latents, hidden, true);
    }

    /** As above; with {@code learnMean = false} the mean is 0 (ilkhem/iVAE's {@code prior_mean}) and has no MLP. */
    public static Gaussian conditionalPrior(Scope s, SDVariable u, int uDim, int latents, int hidden, boolean learnMean) {
        SDVariable logVar = mlp(s.child(LOG_VAR), uDim, hidden, latents, PRIOR_LAYERS, PRIOR_SLOPE).apply(u)
                .rename(s.name(LOG_VAR));
        SDVariable mean = learnMean
                ? mlp(s.child(MEAN), uDim, hidden, latents, PRIOR_LAYERS, PRIOR_SLOPE).apply(u)
                : s.sd().zerosLike(logVar);
        return new Gaussian(mean.rename(s.name(MEAN)), logVar);
    }

    private static SDVariable relu(SDVariable x) {
        return x.getSameDiff().nn().relu(x, 0.0);
    }
}
