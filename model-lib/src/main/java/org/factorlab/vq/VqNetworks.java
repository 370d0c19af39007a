package org.factorlab.vq;

import java.util.ArrayList;
import java.util.List;
import org.factorlab.nn.Layers;
import org.factorlab.nn.Scope;
import org.factorlab.vae.VaeLosses;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.PaddingMode;

/**
 * Graph factories of LDM's VQ first stage ({@code ldm/modules/diffusionmodules/model.py}: Encoder, Decoder,
 * ResnetBlock, Downsample, Upsample, AttnBlock), taming's vector quantiser ({@code VectorQuantizer2}, legacy loss)
 * and taming's PatchGAN discriminator ({@code NLayerDiscriminator}). Feature maps are NCHW with static C, H, W.
 * Parameter names follow the PyTorch modules' under the scopes below (e.g. {@code decoder/conv_out/weight}).
 */
public final class VqNetworks {
    /** Scope names of the parts; the parameter groups follow them. */
    public static final String ENCODER = "encoder";
    public static final String DECODER = "decoder";
    public static final String QUANT_CONV = "quant_conv";
    public static final String POST_QUANT_CONV = "post_quant_conv";
    public static final String QUANTIZE = "quantize";
    public static final String CODEBOOK = "embedding";
    public static final String DISCRIMINATOR = "discriminator";
    /** The decoder's last layer (taming's {@code last_layer} of the adaptive weight). */
    public static final String CONV_OUT = "conv_out";
    /** LDM's Normalize: GroupNorm with eps 1e-6. */
    public static final double NORM_EPS = 1e-6;
    /** PyTorch BatchNorm2d's eps, for the discriminator. */
    public static final double BATCH_NORM_EPS = 1e-5;
    public static final double LEAKY_SLOPE = 0.2;
    /** taming's weights_init: conv weights N(0, 0.02), BatchNorm weights N(1, 0.02). */
    public static final double DISC_INIT_STD = 0.02;

    private VqNetworks() {
    }

    /** A feature map and its static geometry. */
    public record Feature(SDVariable x, int channels, int side) {
    }

    /** The decoder's output and the input of its last conv (for the adaptive weight's gradient norms). */
    public record Decoded(SDVariable image, SDVariable lastInput) {
    }

    /**
     * The quantiser's outputs: {@code straightThrough} {@code z + sg(z_q - z)} ({@code [B, e, r, r]}, what the
     * decoder gets), {@code quantized} z_q itself, the one-hot assignment {@code [N, nEmbed]} (N = B r r, row-major
     * over (b, y, x)), the code indices {@code [N]}, the codebook loss and the batch's codebook usage.
     */
    public record Quantized(SDVariable straightThrough, SDVariable quantized, SDVariable oneHot, SDVariable indices,
                            SDVariable codebookLoss, SDVariable perplexity, SDVariable deadCodes) {
    }

    /** {@code quant_conv(Encoder(x))}: the pre-quantisation latent {@code [B, embedDim, r, r]}. */
    public static Feature encode(Scope root, SDVariable x, VqConfig.Model m) {
        Feature h = encoder(root.child(ENCODER), x, m);
        return new Feature(conv(root.child(QUANT_CONV), h.x(), m.zChannels(), m.embedDim(), 1, 1, 0, false), m.embedDim(), h.side());
    }

    /** {@code Decoder(post_quant_conv(z))} for a (quantised or not) latent {@code [B, embedDim, r, r]}. */
    public static Decoded decode(Scope root, SDVariable latent, VqConfig.Model m) {
        SDVariable z = conv(root.child(POST_QUANT_CONV), latent, m.embedDim(), m.zChannels(), 1, 1, 0, false);
        return decoder(root.child(DECODER), z, m);
    }

    /** LDM's Encoder with {@code double_z = False}: {@code [B, C, H, W] -> [B, zChannels, H/f, W/f]}. */
    public static Feature encoder(Scope s, SDVariable x, VqConfig.Model m) {
        int ch = m.ch(), side = m.imageSize(), groups = m.groups();
        Feature h = new Feature(conv(s.child("conv_in"), x, m.imageChannels(), ch, 3, 1, 1, false), ch, side);
        for (int level = 0; level < m.levels(); level++) {
            Scope l = s.child("down", level);
            int out = ch * m.chMult().get(level);
            for (int b = 0; b < m.numResBlocks(); b++) {
                h = resnetBlock(l.child("block", b), h, out, groups);
                if (m.attnResolutions().contains(h.side())) h = attnBlock(l.child("attn", b), h, groups);
            }
            if (level != m.levels() - 1) h = downsample(l.child("downsample"), h);
        }
        h = middle(s.child("mid"), h, groups);
        SDVariable o = Layers.silu(norm(s.child("norm_out"), h, groups));
        return new Feature(conv(s.child(CONV_OUT), o, h.channels(), m.zChannels(), 3, 1, 1, false), m.zChannels(), h.side());
    }

    /** LDM's Decoder ({@code give_pre_end = tanh_out = False}): {@code [B, zChannels, r, r] -> [B, C, H, W]}. */
    public static Decoded decoder(Scope s, SDVariable z, VqConfig.Model m) {
        int groups = m.groups(), levels = m.levels();
        int blockIn = m.ch() * m.chMult().get(levels - 1);
        Feature h = new Feature(conv(s.child("conv_in"), z, m.zChannels(), blockIn, 3, 1, 1, false), blockIn, m.latentSize());
        h = middle(s.child("mid"), h, groups);
        for (int level = levels - 1; level >= 0; level--) {
            Scope l = s.child("up", level);
            int out = m.ch() * m.chMult().get(level);
            for (int b = 0; b <= m.numResBlocks(); b++) {
                h = resnetBlock(l.child("block", b), h, out, groups);
                if (m.attnResolutions().contains(h.side())) h = attnBlock(l.child("attn", b), h, groups);
            }
            if (level != 0) h = upsample(l.child("upsample"), h);
        }
        SDVariable last = Layers.silu(norm(s.child("norm_out"), h, groups));
        SDVariable img = conv(s.child(CONV_OUT), last, h.channels(), m.imageChannels(), 3, 1, 1, false);
        return new Decoded(img, last);
    }

    /** block_1, attn_1, block_2 at constant width. */
    static Feature middle(Scope s, Feature h, int groups) {
        h = resnetBlock(s.child("block_1"), h, h.channels(), groups);
        h = attnBlock(s.child("attn_1"), h, groups);
        return resnetBlock(s.child("block_2"), h, h.channels(), groups);
    }

    /**
     * LDM's ResnetBlock without time embedding and with dropout 0: {@code norm1, swish, conv1, norm2, swish, conv2},
     * plus the input (through a 1x1 {@code nin_shortcut} when the width changes).
     */
    public static Feature resnetBlock(Scope s, Feature in, int out, int groups) {
        int c = in.channels(), side = in.side();
        SDVariable h = Layers.silu(norm(s.child("norm1"), in, groups));
        h = conv(s.child("conv1"), h, c, out, 3, 1, 1, false);
        h = Layers.silu(norm(s.child("norm2"), new Feature(h, out, side), groups));
        h = conv(s.child("conv2"), h, out, out, 3, 1, 1, false);
        SDVariable skip = c == out ? in.x() : conv(s.child("nin_shortcut"), in.x(), c, out, 1, 1, 0, false);
        return new Feature(skip.add(h), out, side);
    }

    /**
     * LDM's AttnBlock: single-head self-attention over the H*W positions with 1x1-conv q, k, v (with bias) of the
     * normalised input, softmax of {@code q k^T / sqrt(C)} over keys, a 1x1 {@code proj_out}, plus the input.
     */
    public static Feature attnBlock(Scope s, Feature in, int groups) {
        SameDiff sd = in.x().getSameDiff();
        int c = in.channels(), side = in.side(), n = side * side;
        SDVariable t = Layers.toTokens(norm(s.child("norm"), in, groups), c);
        SDVariable q = Layers.linear(s.child("q"), t, c, c, true, false).reshape(-1, n, c);
        SDVariable k = Layers.linear(s.child("k"), t, c, c, true, false).reshape(-1, n, c);
        SDVariable v = Layers.linear(s.child("v"), t, c, c, true, false).reshape(-1, n, c);
        SDVariable probs = sd.nn().softmax(sd.mmul(q.mul(1.0 / Math.sqrt(c)), k, false, true, false), 2);   // [B, N, N]
        SDVariable o = sd.mmul(probs, v).reshape(-1, c);
        SDVariable proj = Layers.linear(s.child("proj_out"), o, c, c, true, false);
        return new Feature(in.x().add(Layers.fromTokens(proj, c, side, side)), c, side);
    }

    /**
     * LDM's Downsample with conv: pad 0 left/top and 1 right/bottom, then a 3x3 conv with stride 2. That is exactly
     * TF's "SAME" padding for an even side, which libnd4j's conv2d implements ({@code VqNetworksTest} checks it
     * against the explicit pad).
     */
    public static Feature downsample(Scope s, Feature in) {
        if (in.side() % 2 != 0) throw new IllegalArgumentException("Downsample: odd side " + in.side());
        SDVariable y = conv(s.child("conv"), in.x(), in.channels(), in.channels(), 3, 2, 0, true);
        return new Feature(y, in.channels(), in.side() / 2);
    }

    /** LDM's Upsample with conv: nearest-neighbour x2, then a 3x3 conv. */
    public static Feature upsample(Scope s, Feature in) {
        SDVariable y = conv(s.child("conv"), Layers.upsampleNearest2(in.x()), in.channels(), in.channels(), 3, 1, 1, false);
        return new Feature(y, in.channels(), in.side() * 2);
    }

    /** LDM's Normalize: GroupNorm(32, eps 1e-6), with fewer groups for widths 32 does not divide. */
    static SDVariable norm(Scope s, Feature f, int groups) {
        return Layers.groupNorm(s, f.x(), f.channels(), f.side(), f.side(), Layers.groupsFor(f.channels(), groups), NORM_EPS);
    }

    /** Conv2d with PyTorch's default init (U(+-1/sqrt(fan_in)) for weight and bias); {@code same}: TF "SAME" padding. */
    static SDVariable conv(Scope s, SDVariable x, int cin, int cout, int k, int stride, int pad, boolean same) {
        double bound = 1.0 / Math.sqrt((double) cin * k * k);
        SDVariable w = s.uniform("weight", bound, k, k, cin, cout);
        SDVariable b = s.uniform("bias", bound, cout);
        Conv2DConfig c = Conv2DConfig.builder().kH(k).kW(k).sH(stride).sW(stride).pH(pad).pW(pad).paddingMode(same ? PaddingMode.SAME : PaddingMode.VALID)
                .dataFormat(Conv2DConfig.NCHW).build();
        return s.sd().cnn().conv2d(x, w, b, c);
    }

    /**
     * taming's VectorQuantizer2 ({@code legacy = True}) on {@code z [B, e, r, r]}. The nearest code by L2,
     * {@code ||z||^2 + ||E||^2 - 2 z E^T}, is found on stopped inputs (argmin has no gradient); the one-hot of the
     * argmin times the codebook gives z_q with the codebook's gradient (no gather: SameDiff M2.1's gather backward is
     * wrong). Codebook loss {@code mean((sg[z_q] - z)^2) + beta mean((z_q - sg[z])^2)}: in this legacy form beta
     * weighs the codebook term and the commitment term has weight 1, the swap of the VQ-VAE paper's roles that
     * taming keeps for its released models. Codebook init U(-1/n, 1/n).
     */
    public static Quantized quantize(Scope s, SDVariable z, int embedDim, int nEmbed, int side, double beta) {
        SameDiff sd = z.getSameDiff();
        SDVariable codebook = s.uniform(CODEBOOK, 1.0 / nEmbed, nEmbed, embedDim);
        SDVariable flat = Layers.toTokens(z, embedDim);                                                   // [N, e]
        SDVariable f = VaeLosses.stopGradient(flat), e = VaeLosses.stopGradient(codebook);
        SDVariable dist = f.mul(f).sum(true, 1).add(e.mul(e).sum(1).reshape(1, nEmbed))
                .sub(sd.mmul(f, e, false, true, false).mul(2.0));                                        // [N, n]
        SDVariable idx = sd.argmin(s.name("indices"), dist, 1);
        SDVariable oneHot = sd.oneHot(s.name("one_hot"), idx, nEmbed, -1, 1.0, 0.0, z.dataType());
        SDVariable zq = oneHot.mmul(codebook);                                                            // [N, e]
        SDVariable commit = VaeLosses.stopGradient(zq).sub(flat);
        SDVariable embed = zq.sub(f);
        SDVariable loss = commit.mul(commit).mean().add(embed.mul(embed).mean().mul(beta));
        SDVariable st = flat.add(VaeLosses.stopGradient(zq.sub(flat)));
        SDVariable usage = oneHot.mean(0);                                                                // [n]
        SDVariable perplexity = sd.math().exp(usage.mul(sd.math().log(usage.add(1e-10))).sum().neg());
        SDVariable dead = sd.math().sign(oneHot.sum(0)).sum().rsub((double) nEmbed);
        return new Quantized(Layers.fromTokens(st, embedDim, side, side), Layers.fromTokens(zq, embedDim, side, side), oneHot,
                idx, loss, perplexity, dead);
    }

    /**
     * taming's NLayerDiscriminator with BatchNorm ({@code use_actnorm = False}): conv k4 s2 p1 (bias) + LeakyReLU 0.2;
     * {@code layers - 1} convs k4 s2 p1 (no bias) + BatchNorm + LeakyReLU, widths {@code filters * min(2^n, 8)};
     * one conv k4 s1 p1 + BatchNorm + LeakyReLU; a conv k4 s1 p1 to one logit per patch. BatchNorm uses the
     * statistics of the batch it is applied to, as the PyTorch module in training mode does (the discriminator is
     * only ever used in training). The parameters are kept apart from the inputs so one set can be applied several
     * times, through stop-gradients where a loss must not train them.
     */
    public static final class PatchDiscriminator {
        private final List<SDVariable> weights = new ArrayList<>();
        private final List<SDVariable> biases = new ArrayList<>();
        private final List<SDVariable> gammas = new ArrayList<>();
        private final List<SDVariable> betas = new ArrayList<>();
        private final List<Integer> strides = new ArrayList<>();
        private final List<Integer> widths = new ArrayList<>();

        private PatchDiscriminator() {
        }

        /** Side of the logit map for a square input of side {@code imageSize}. */
        public static int outputSide(int imageSize, int layers) {
            int side = imageSize;
            for (int i = 0; i < layers; i++) side = (side + 2 - 4) / 2 + 1;
            return side - 2;
        }

        public static PatchDiscriminator create(Scope s, int inChannels, int filters, int layers) {
            PatchDiscriminator d = new PatchDiscriminator();
            int mult = 1;
            d.add(s.child("conv", 0), inChannels, filters, 2, true, false);
            for (int n = 1; n < layers; n++) {
                int prev = mult;
                mult = Math.min(1 << n, 8);
                d.add(s.child("conv", n), filters * prev, filters * mult, 2, false, true);
            }
            int prev = mult;
            mult = Math.min(1 << layers, 8);
            d.add(s.child("conv", layers), filters * prev, filters * mult, 1, false, true);
            d.add(s.child("conv", layers + 1), filters * mult, 1, 1, true, false);
            return d;
        }

        private void add(Scope s, int cin, int cout, int stride, boolean bias, boolean batchNorm) {
            weights.add(s.normal("weight", 0.0, DISC_INIT_STD, 4, 4, cin, cout));
            biases.add(bias ? s.uniform("bias", 1.0 / Math.sqrt(cin * 16.0), cout) : null);
            gammas.add(batchNorm ? s.child("norm").normal("weight", 1.0, DISC_INIT_STD, cout) : null);
            betas.add(batchNorm ? s.child("norm").zeros("bias", cout) : null);
            strides.add(stride);
            widths.add(cout);
        }

        /** Logits {@code [B, 1, p, p]}; with {@code stopWeights} the loss sends the parameters no gradient. */
        public SDVariable apply(SDVariable x, boolean stopWeights) {
            SameDiff sd = x.getSameDiff();
            SDVariable h = x;
            int last = weights.size() - 1;
            for (int i = 0; i <= last; i++) {
                Conv2DConfig c = Conv2DConfig.builder().kH(4).kW(4).sH(strides.get(i)).sW(strides.get(i)).pH(1).pW(1)
                        .dataFormat(Conv2DConfig.NCHW).build();
                SDVariable w = sg(weights.get(i), stopWeights);
                h = biases.get(i) == null ? sd.cnn().conv2d(h, w, c) : sd.cnn().conv2d(h, w, sg(biases.get(i), stopWeights), c);
                if (gammas.get(i) != null) {
                    int ch = widths.get(i);
                    SDVariable centred = h.sub(h.mean(true, 0, 2, 3));
                    SDVariable var = centred.mul(centred).mean(true, 0, 2, 3);
                    h = centred.mul(sd.math().rsqrt(var.add(BATCH_NORM_EPS)))
                            .mul(sg(gammas.get(i), stopWeights).reshape(1, ch, 1, 1)).add(sg(betas.get(i), stopWeights).reshape(1, ch, 1, 1));
                }
                if (i < last) h = sd.nn().leakyRelu(h, LEAKY_SLOPE);
            }
            return h;
        }

        private static SDVariable sg(SDVariable v, boolean stop) {
            return stop ? VaeLosses.stopGradient(v) : v;
        }
    }
}
