package org.factorlab.nn;

import java.util.ArrayDeque;
import java.util.Deque;
import org.factorlab.nn.Blocks.Feature;
import org.factorlab.nn.Blocks.Resample;
import org.nd4j.autodiff.samediff.SDVariable;

/**
 * LDM's UNetModel (openaimodel.py) with use_scale_shift_norm and spatial transformers: input conv, per level
 * {@code numResBlocks} ResBlocks (+ transformer where the downsampling factor is in attentionResolutions, or one
 * without self-attention where it is in crossAttentionOnlyResolutions) and a
 * downsample (a ResBlock with down=True, or a stride-2 conv), a middle ResBlock-transformer-ResBlock, the mirrored
 * output side with skip concatenation and upsampling (ResBlock up=True, or nearest + conv), and GN-SiLU-zero conv out.
 */
public final class UNet {
    private UNet() {
    }

    /**
     * @param x       noisy input {@code [B, inChannels, R, R]}
     * @param t       float timesteps {@code [B]}
     * @param context tokens {@code [B*M, contextDim]} for cross-attention, or null
     * @param cond    {@code [B, condDim]} AdaGN vector, or null
     */
    public static SDVariable build(Scope s, UNetConfig c, SDVariable x, SDVariable t, SDVariable context, int contextTokens,
                                   int contextDim, SDVariable cond, int condDim) {
        int embDim = c.timeEmbedDim();
        SDVariable emb = Blocks.timeMlp(s.child("time_embed"), t, c.modelChannels(), embDim);
        int g = c.groups();
        int mc = c.modelChannels();
        Feature h = new Feature(Layers.conv2d(s.child("in").child("0"), x, c.inChannels(), mc, 3, 1, 1, false), mc,
                c.resolution(), c.resolution());
        Deque<Feature> skips = new ArrayDeque<>();
        skips.push(h);
        int ds = 1;
        int block = 1;
        for (int level = 0; level < c.channelMult().size(); level++) {
            int ch = mc * c.channelMult().get(level);
            for (int r = 0; r < c.numResBlocks(); r++) {
                Scope b = s.child("in").child(String.valueOf(block++));
                h = Blocks.resBlock(b.child("res"), h, ch, emb, embDim, cond, condDim, Resample.NONE, g);
                if (c.hasTransformerAt(ds)) h = transformer(b.child("attn"), c, h, ds, context, contextTokens, contextDim);
                skips.push(h);
            }
            if (level != c.channelMult().size() - 1) {
                Scope b = s.child("in").child(String.valueOf(block++));
                h = downsample(b, c, h, emb, embDim, cond, condDim);
                skips.push(h);
                ds *= 2;
            }
        }
        Scope mid = s.child("mid");
        h = Blocks.resBlock(mid.child("res0"), h, h.channels(), emb, embDim, cond, condDim, Resample.NONE, g);
        h = transformer(mid.child("attn"), c, h, 0, context, contextTokens, contextDim);
        h = Blocks.resBlock(mid.child("res1"), h, h.channels(), emb, embDim, cond, condDim, Resample.NONE, g);
        block = 0;
        for (int level = c.channelMult().size() - 1; level >= 0; level--) {
            int ch = mc * c.channelMult().get(level);
            for (int i = 0; i <= c.numResBlocks(); i++) {
                Scope b = s.child("out").child(String.valueOf(block++));
                Feature skip = skips.pop();
                Feature cat = new Feature(s.sd().concat(1, h.x(), skip.x()), h.channels() + skip.channels(), h.height(), h.width());
                h = Blocks.resBlock(b.child("res"), cat, ch, emb, embDim, cond, condDim, Resample.NONE, g);
                if (c.hasTransformerAt(ds)) h = transformer(b.child("attn"), c, h, ds, context, contextTokens, contextDim);
                if (level > 0 && i == c.numResBlocks()) {
                    h = upsample(b, c, h, emb, embDim, cond, condDim);
                    ds /= 2;
                }
            }
        }
        SDVariable o = Layers.silu(Layers.groupNorm(s.child("out_norm"), h.x(), h.channels(), h.height(), h.width(),
                Layers.groupsFor(h.channels(), g), Layers.GROUP_NORM_EPS));
        return Layers.conv2d(s.child("out_conv"), o, h.channels(), c.outChannels(), 3, 1, 1, true);
    }

    /** {@code ds} 0 is the middle block, which always has self-attention. */
    private static Feature transformer(Scope s, UNetConfig c, Feature h, int ds, SDVariable context, int contextTokens,
                                       int contextDim) {
        int heads = c.numHeads();
        boolean selfAttention = !c.crossAttentionOnlyResolutions().contains(ds);
        return Blocks.spatialTransformer(s, h, heads, c.dimHeadFor(h.channels()), c.transformerDepth(), selfAttention,
                context, contextTokens, contextDim, c.groups());
    }

    private static Feature downsample(Scope b, UNetConfig c, Feature h, SDVariable emb, int embDim, SDVariable cond, int condDim) {
        if (c.resblockUpdown())
            return Blocks.resBlock(b.child("down"), h, h.channels(), emb, embDim, cond, condDim, Resample.DOWN, c.groups());
        SDVariable y = Layers.conv2d(b.child("down"), h.x(), h.channels(), h.channels(), 3, 2, 1, false);
        return new Feature(y, h.channels(), h.height() / 2, h.width() / 2);
    }

    private static Feature upsample(Scope b, UNetConfig c, Feature h, SDVariable emb, int embDim, SDVariable cond, int condDim) {
        if (c.resblockUpdown())
            return Blocks.resBlock(b.child("up"), h, h.channels(), emb, embDim, cond, condDim, Resample.UP, c.groups());
        SDVariable y = Layers.conv2d(b.child("up"), Layers.upsampleNearest2(h.x()), h.channels(), h.channels(), 3, 1, 1, false);
        return new Feature(y, h.channels(), h.height() * 2, h.width() * 2);
    }
}
