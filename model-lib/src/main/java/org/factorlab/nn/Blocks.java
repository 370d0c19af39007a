package org.factorlab.nn;

import static org.factorlab.nn.Layers.columns;
import static org.factorlab.nn.Layers.conv2d;
import static org.factorlab.nn.Layers.groupNorm;
import static org.factorlab.nn.Layers.layerNorm;
import static org.factorlab.nn.Layers.linear;
import static org.factorlab.nn.Layers.silu;

import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** The U-Net's building blocks, following LDM's openaimodel.py and attention.py. */
public final class Blocks {
    /** Spatial transformers normalise with eps 1e-6 (LDM's Normalize); ResBlocks with GroupNorm32's 1e-5. */
    public static final double TRANSFORMER_NORM_EPS = 1e-6;
    /** Scope names of a transformer block's self- and cross-attention; their softmax is {@code <scope>/}{@link Layers#ATTENTION_PROBS}. */
    public static final String SELF_ATTENTION = "attn1";
    public static final String CROSS_ATTENTION = "attn2";

    private Blocks() {
    }

    public enum Resample { NONE, UP, DOWN }

    /** A feature map with its static geometry. */
    public record Feature(SDVariable x, int channels, int height, int width) {
    }

    /**
     * LDM's timestep_embedding: {@code [cos(t f), sin(t f)]} with {@code f_i = exp(-ln(10000) i / half)}, from a
     * float timestep placeholder {@code t [B]}.
     */
    public static SDVariable timestepEmbedding(SDVariable t, int dim) {
        SameDiff sd = t.getSameDiff();
        int half = dim / 2;
        double[] f = new double[half];
        for (int i = 0; i < half; i++) f[i] = Math.exp(-Math.log(10000.0) * i / half);
        SDVariable freqs = sd.constant(Nd4j.create(f, new long[]{1, half}, t.dataType()));
        SDVariable args = t.reshape(-1, 1).mul(freqs);
        SDVariable emb = sd.concat(1, sd.math().cos(args), sd.math().sin(args));
        if (dim % 2 == 1) throw new IllegalArgumentException("timestep embedding dim must be even, got " + dim);
        return emb;
    }

    /** time_embed: Linear(mc, 4mc) - SiLU - Linear(4mc, 4mc). */
    public static SDVariable timeMlp(Scope s, SDVariable t, int modelChannels, int embDim) {
        SDVariable e = timestepEmbedding(t, modelChannels);
        e = linear(s.child("0"), e, modelChannels, embDim, true, false);
        return linear(s.child("2"), silu(e), embDim, embDim, true, false);
    }

    /**
     * ResBlock with use_scale_shift_norm: {@code h = conv(SiLU(GN(x)))}, {@code h = GN(h) (1 + scale) + shift} with
     * (scale, shift) = Linear(SiLU(emb)), optionally AdaGN conditioning {@code h = h (1 + s_c) + b_c} from {@code cond},
     * then SiLU, zero-initialised conv, and a skip connection (1x1 conv when the width changes). Up/down resampling
     * (nearest / average pool) is applied to both paths after the first norm, as resblock_updown does.
     */
    public static Feature resBlock(Scope s, Feature in, int cout, SDVariable emb, int embDim, SDVariable cond, int condDim,
                                   Resample resample, int groupsPref) {
        int cin = in.channels();
        int h0 = in.height(), w0 = in.width();
        SDVariable x = in.x();
        SDVariable h = Layers.groupNormSilu(s.child("in_norm"), x, cin, h0, w0, Layers.groupsFor(cin, groupsPref), Layers.GROUP_NORM_EPS, null, null);
        int hh = h0, ww = w0;
        if (resample == Resample.UP) {
            h = Layers.upsampleNearest2(h);
            x = Layers.upsampleNearest2(x);
            hh *= 2;
            ww *= 2;
        } else if (resample == Resample.DOWN) {
            h = Layers.avgPool2(h);
            x = Layers.avgPool2(x);
            hh /= 2;
            ww /= 2;
        }
        h = conv2d(s.child("in_conv"), h, cin, cout, 3, 1, 1, false);
        SDVariable e = linear(s.child("emb"), silu(emb), embDim, 2 * cout, true, false);
        int g = Layers.groupsFor(cout, groupsPref);
        SDVariable scale = columns(e, 0, cout), shift = columns(e, cout, 2 * cout);
        if (cond == null) {
            h = Layers.groupNormSilu(s.child("out_norm"), h, cout, hh, ww, g, Layers.GROUP_NORM_EPS, scale, shift);
        } else {
            // AdaGN: the tokens' own scale-shift comes between the norm and the activation
            h = groupNorm(s.child("out_norm"), h, cout, hh, ww, g, Layers.GROUP_NORM_EPS, scale, shift);
            SDVariable c = linear(s.child("cond"), cond, condDim, 2 * cout, true, false);
            h = silu(h.mul(columns(c, 0, cout).reshape(-1, cout, 1, 1).add(1.0)).add(columns(c, cout, 2 * cout).reshape(-1, cout, 1, 1)));
        }
        h = conv2d(s.child("out_conv"), h, cout, cout, 3, 1, 1, true);
        SDVariable skip = cin == cout ? x : conv2d(s.child("skip"), x, cin, cout, 1, 1, 0, false);
        return new Feature(skip.add(h), cout, hh, ww);
    }

    /** GEGLU feed-forward: {@code Linear(C, 2*mult*C) -> a * gelu(g) -> Linear(mult*C, C)}. Input {@code [M, C]}. */
    public static SDVariable feedForward(Scope s, SDVariable x, int channels, int mult) {
        int inner = mult * channels;
        // one Linear(C, 2 inner) as in LDM (same parameters), applied as two products with its halves: slicing the
        // [C, 2 inner] weight is cheaper than slicing the [M, 2 inner] activation and its gradient
        Scope ps = s.child("proj");
        double bound = 1.0 / Math.sqrt(channels);
        SDVariable w = ps.uniform("weight", bound, channels, 2 * inner), b = ps.uniform("bias", bound, 2 * inner);
        SDVariable a = x.mmul(columns(w, 0, inner)).add(b.get(SDIndex.interval(0, inner)));
        SDVariable gate = x.mmul(columns(w, inner, 2 * inner)).add(b.get(SDIndex.interval(inner, 2 * inner)));
        return linear(s.child("out"), a.mul(Layers.gelu(gate)), inner, channels, true, false);
    }

    /**
     * LDM's SpatialTransformer with {@code depth} BasicTransformerBlocks: GroupNorm, proj_in (a 1x1 conv, here the
     * equivalent per-position linear), then per block LN + self-attention, LN + cross-attention over {@code context}
     * (skipped when context is null: the AdaGN variant), LN + GEGLU feed-forward (x4), each residual; proj_out
     * zero-initialised; residual around the whole block.
     *
     * @param selfAttention false drops the self-attention (a cross-attention-only block for large resolutions)
     * @param context       tokens {@code [B*M, contextDim]} or null
     */
    public static Feature spatialTransformer(Scope s, Feature in, int heads, int dimHead, int depth, boolean selfAttention,
                                             SDVariable context, int contextTokens, int contextDim, int groupsPref) {
        if (!selfAttention && context == null)
            throw new IllegalArgumentException("unet.crossAttentionOnlyResolutions: a transformer without self-attention needs "
                    + "cross-attention tokens (conditioning: cross_attention)");
        int c = in.channels(), hh = in.height(), ww = in.width();
        int n = hh * ww;
        int inner = heads * dimHead;
        SDVariable h = groupNorm(s.child("norm"), in.x(), c, hh, ww, Layers.groupsFor(c, groupsPref), TRANSFORMER_NORM_EPS);
        SDVariable t = linear(s.child("proj_in"), Layers.toTokens(h, c), c, inner, true, false);
        for (int d = 0; d < depth; d++) {
            Scope b = s.child("block", d);
            if (selfAttention) {
                SDVariable n1 = layerNorm(b.child("norm1"), t, inner, Layers.LAYER_NORM_EPS);
                t = t.add(Layers.attention(b.child(SELF_ATTENTION), n1, n, inner, n1, n, inner, heads, dimHead));
            }
            if (context != null) {
                SDVariable n2 = layerNorm(b.child("norm2"), t, inner, Layers.LAYER_NORM_EPS);
                t = t.add(Layers.attention(b.child(CROSS_ATTENTION), n2, n, inner, context, contextTokens, contextDim, heads, dimHead));
            }
            SDVariable n3 = layerNorm(b.child("norm3"), t, inner, Layers.LAYER_NORM_EPS);
            t = t.add(feedForward(b.child("ff"), n3, inner, 4));
        }
        SDVariable out = linear(s.child("proj_out"), t, inner, c, true, true);
        return new Feature(in.x().add(Layers.fromTokens(out, c, hh, ww)), c, hh, ww);
    }

    /** Convenience for tests and factories. */
    public static SDVariable placeholder(SameDiff sd, String name, DataType dt, long... shapeWithoutBatch) {
        long[] shape = new long[shapeWithoutBatch.length + 1];
        shape[0] = -1;
        System.arraycopy(shapeWithoutBatch, 0, shape, 1, shapeWithoutBatch.length);
        return sd.placeHolder(name, dt, shape);
    }
}
