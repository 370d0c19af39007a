package org.factorlab.nn;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig;
import org.nd4j.linalg.api.ops.impl.layers.convolution.config.Pooling2DConfig;

/**
 * Primitive layers on plain SameDiff variables. Feature maps are NCHW {@code [B, C, H, W]}; token sequences are kept
 * flat as {@code [B*N, C]} with N known when the graph is built, so that every linear layer is one 2-D matmul.
 * Batch size is the only dynamic dimension. Parameter names follow PyTorch's ("weight", "bias") under the scope.
 */
public final class Layers {
    public static final double GROUP_NORM_EPS = 1e-5;
    public static final double LAYER_NORM_EPS = 1e-5;
    /** Local name of an attention layer's softmax probabilities {@code [B, heads, N, M]}, read out for attention maps. */
    public static final String ATTENTION_PROBS = "probs";

    private Layers() {
    }

    /** Conv2d with "same"-style explicit padding; weights in SameDiff's default YXIO layout {@code [kH, kW, in, out]}. */
    public static SDVariable conv2d(Scope s, SDVariable x, int cin, int cout, int k, int stride, int pad, boolean zeroInit) {
        double bound = zeroInit ? 0 : 1.0 / Math.sqrt((double) cin * k * k);
        SDVariable w = s.uniform("weight", bound, k, k, cin, cout);
        SDVariable b = s.uniform("bias", bound, cout);
        Conv2DConfig c = Conv2DConfig.builder().kH(k).kW(k).sH(stride).sW(stride).pH(pad).pW(pad)
                .dataFormat(Conv2DConfig.NCHW).build();
        return s.sd().cnn().conv2d(x, w, b, c);
    }

    /** {@code x [M, in] -> [M, out]}; weight stored {@code [in, out]}. */
    public static SDVariable linear(Scope s, SDVariable x, int in, int out, boolean bias, boolean zeroInit) {
        double bound = zeroInit ? 0 : 1.0 / Math.sqrt(in);
        SDVariable w = s.uniform("weight", bound, in, out);
        SDVariable y = x.mmul(w);
        return bias ? y.add(s.uniform("bias", bound, out)) : y;
    }

    /**
     * SiLU, {@code x sigmoid(x)}: one fused op whose backward reuses the forward's sigmoid ({@link FusedSilu}); inside
     * {@link #writtenOut()}, SameDiff's {@code swish}.
     */
    public static SDVariable silu(SDVariable x) {
        return WRITTEN_OUT.get() ? x.getSameDiff().nn().swish(x) : FusedSilu.apply(x);
    }

    /** GELU, tanh approximation (PyTorch {@code approximate='tanh'}); written out so its gradient is plain ops. */
    public static SDVariable gelu(SDVariable x) {
        SameDiff sd = x.getSameDiff();
        SDVariable inner = x.add(x.mul(x).mul(x).mul(0.044715)).mul(Math.sqrt(2 / Math.PI));
        return x.mul(sd.math().tanh(inner).add(1.0)).mul(0.5);
    }

    /**
     * GroupNorm with a per-channel affine (weights "weight" and "bias" of shape [C]): statistics over (C/G, H, W) per
     * sample and group, biased variance. {@code x [B, C, H, W]} with C, H, W static. Built as one fused op (and one
     * backward op) that {@link CompiledGraph} runs; inside {@link #writtenOut()}, as plain SameDiff ops.
     */
    public static SDVariable groupNorm(Scope s, SDVariable x, int channels, int height, int width, int groups, double eps) {
        return groupNorm(s, x, channels, height, width, groups, eps, null, null);
    }

    /**
     * {@link #groupNorm} followed by a per-sample scale and shift, {@code GN(x) * (1 + scale) + shift} with scale and
     * shift of shape [B, C] (a diffusion ResBlock's {@code use_scale_shift_norm}), fused into the same op.
     */
    public static SDVariable groupNorm(Scope s, SDVariable x, int channels, int height, int width, int groups, double eps,
                                       SDVariable scale, SDVariable shift) {
        return groupNorm(s, x, channels, height, width, groups, eps, scale, shift, false);
    }

    /**
     * {@code silu(groupNorm(...))} (the diffusion ResBlock's norm-activation pair) as one op each way: the normalised
     * values never go to memory. Same parameters; inside {@link #writtenOut()}, the two written out.
     */
    public static SDVariable groupNormSilu(Scope s, SDVariable x, int channels, int height, int width, int groups, double eps,
                                           SDVariable scale, SDVariable shift) {
        if (WRITTEN_OUT.get()) return silu(groupNorm(s, x, channels, height, width, groups, eps, scale, shift));
        return groupNorm(s, x, channels, height, width, groups, eps, scale, shift, true);
    }

    private static SDVariable groupNorm(Scope s, SDVariable x, int channels, int height, int width, int groups, double eps,
                                        SDVariable scale, SDVariable shift, boolean silu) {
        if (channels % groups != 0)
            throw new IllegalArgumentException("GroupNorm: " + channels + " channels not divisible by " + groups + " groups");
        SDVariable gamma = s.ones("weight", channels);
        SDVariable beta = s.zeros("bias", channels);
        if (!WRITTEN_OUT.get()) return FusedGroupNorm.apply(x, gamma, beta, scale, shift, groups, eps, silu);
        SDVariable normed = groupNormNoAffine(x, channels, height, width, groups, eps);
        SDVariable y = normed.mul(gamma.reshape(1, channels, 1, 1)).add(beta.reshape(1, channels, 1, 1));
        if (scale == null) return y;
        return y.mul(scale.reshape(-1, channels, 1, 1).add(1.0)).add(shift.reshape(-1, channels, 1, 1));
    }

    /** {@code -Dfactorlab.fusedOps=false} builds every GroupNorm and SiLU written out (A/B timing, diagnosis). */
    private static final boolean FUSED = Boolean.parseBoolean(System.getProperty("factorlab.fusedOps", "true"));
    private static final ThreadLocal<Boolean> WRITTEN_OUT = ThreadLocal.withInitial(() -> !FUSED);

    /**
     * While the returned handle is open, graphs built on this thread write GroupNorm out as plain SameDiff ops (about
     * 20 native calls per layer and step instead of two) and build SiLU as SameDiff's {@code swish}, which SameDiff's
     * own executor can run: for checks against SameDiff and as the fused ops' reference. Use in try-with-resources.
     */
    public static WrittenOut writtenOut() {
        WrittenOut w = new WrittenOut(WRITTEN_OUT.get());
        WRITTEN_OUT.set(true);
        return w;
    }

    /** Restores the graph form that was in effect before {@link #writtenOut()}. */
    public static final class WrittenOut implements AutoCloseable {
        private final boolean previous;

        private WrittenOut(boolean previous) {
            this.previous = previous;
        }

        @Override
        public void close() {
            WRITTEN_OUT.set(previous);
        }
    }

    /** GroupNorm's normalisation without the affine, written out as SameDiff ops. */
    public static SDVariable groupNormNoAffine(SDVariable x, int channels, int height, int width, int groups, double eps) {
        if (channels % groups != 0)
            throw new IllegalArgumentException("GroupNorm: " + channels + " channels not divisible by " + groups + " groups");
        SameDiff sd = x.getSameDiff();
        SDVariable g = x.reshape(-1, groups, (long) (channels / groups) * height * width);
        SDVariable centred = g.sub(g.mean(true, 2));
        SDVariable var = centred.mul(centred).mean(true, 2);
        return centred.mul(sd.math().rsqrt(var.add(eps))).reshape(-1, channels, height, width);
    }

    /** LayerNorm over the last dimension of {@code x [M, C]}. */
    public static SDVariable layerNorm(Scope s, SDVariable x, int channels, double eps) {
        SameDiff sd = x.getSameDiff();
        SDVariable centred = x.sub(x.mean(true, 1));
        SDVariable var = centred.mul(centred).mean(true, 1);
        SDVariable n = centred.mul(sd.math().rsqrt(var.add(eps)));
        return n.mul(s.ones("weight", channels)).add(s.zeros("bias", channels));
    }

    /** Number of groups to use: {@code preferred} (32 in LDM) or the largest divisor of C below it for tiny widths. */
    public static int groupsFor(int channels, int preferred) {
        for (int g = Math.min(preferred, channels); g >= 1; g--) if (channels % g == 0) return g;
        return 1;
    }

    public static SDVariable avgPool2(SDVariable x) {
        Pooling2DConfig c = Pooling2DConfig.builder().kH(2).kW(2).sH(2).sW(2).pH(0).pW(0).isNHWC(false).build();
        return x.getSameDiff().cnn().avgPooling2d(x, c);
    }

    public static SDVariable upsampleNearest2(SDVariable x) {
        return x.getSameDiff().cnn().upsampling2d(x, 2, 2, true);
    }

    /** Columns [from, to) of a 2-D variable. */
    public static SDVariable columns(SDVariable x, int from, int to) {
        return x.get(SDIndex.all(), SDIndex.interval(from, to));
    }

    /** {@code [B, C, H, W] -> [B*H*W, C]} (token layout). */
    public static SDVariable toTokens(SDVariable x, int channels) {
        return x.permute(0, 2, 3, 1).reshape(-1, channels);
    }

    /** {@code [B*H*W, C] -> [B, C, H, W]}. */
    public static SDVariable fromTokens(SDVariable t, int channels, int height, int width) {
        return t.reshape(-1, height, width, channels).permute(0, 3, 1, 2);
    }

    /**
     * Multi-head scaled dot-product attention written as batched matmul + softmax (faster here than
     * multiHeadDotProductAttention, see docs/models.md). {@code x [B*N, C]} queries from N positions, {@code ctx
     * [B*M, Cc]} keys/values from M positions; q/k/v have no bias (LDM CrossAttention), the output projection has one.
     * The attention probabilities are named {@code <scope>/probs} so that attention maps can be read out.
     */
    public static SDVariable attention(Scope s, SDVariable x, int n, int channels, SDVariable ctx, int m, int ctxChannels,
                                       int heads, int dimHead) {
        SameDiff sd = x.getSameDiff();
        int inner = heads * dimHead;
        SDVariable q = splitHeads(linear(s.child("to_q"), x, channels, inner, false, false), n, heads, dimHead);
        SDVariable k = splitHeads(linear(s.child("to_k"), ctx, ctxChannels, inner, false, false), m, heads, dimHead);
        SDVariable v = splitHeads(linear(s.child("to_v"), ctx, ctxChannels, inner, false, false), m, heads, dimHead);
        // LDM scales the [N, M] scores; scaling q [N, d] instead is the same product and keeps one fewer N x M
        // tensor (and its backward) per layer, which is what limits memory at 32x32 with attention at full resolution.
        SDVariable logits = sd.mmul(q.mul(1.0 / Math.sqrt(dimHead)), k, false, true, false);   // [B, h, N, M]
        SDVariable probs = sd.nn().softmax(s.name(ATTENTION_PROBS), logits, 3);
        SDVariable o = sd.mmul(probs, v);                                                    // [B, h, N, d]
        SDVariable merged = o.permute(0, 2, 1, 3).reshape(-1, inner);
        return linear(s.child("to_out"), merged, inner, channels, true, false);
    }

    private static SDVariable splitHeads(SDVariable t, int n, int heads, int dimHead) {
        return t.reshape(-1, n, heads, dimHead).permute(0, 2, 1, 3);
    }
}
