package org.factorlab.nn;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
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
     * The encoder half's result: the time embedding, the bottleneck and the skip features in the order they were
     * produced (the decoder half takes them from the end). DisDiff runs a second decoder half on the same trunk.
     */
    public record Trunk(SDVariable emb, Feature bottleneck, List<Feature> skips) {
        public Trunk {
            skips = List.copyOf(skips);
        }

        /** Every tensor repeated {@code times} along the batch axis ({@code [times*B, ...]}, copy-major). */
        public Trunk tiled(int times) {
            List<Feature> s = new ArrayList<>();
            for (Feature f : skips) s.add(tile(f, times));
            return new Trunk(tileRows(emb, times), tile(bottleneck, times), s);
        }

        private static Feature tile(Feature f, int times) {
            return new Feature(tileRows(f.x(), times), f.channels(), f.height(), f.width());
        }

        private static SDVariable tileRows(SDVariable x, int times) {
            if (times == 1) return x;
            SDVariable[] copies = new SDVariable[times];
            java.util.Arrays.fill(copies, x);
            return x.getSameDiff().concat(0, copies);
        }
    }

    /**
     * @param x       noisy input {@code [B, inChannels, R, R]}
     * @param t       float timesteps {@code [B]}
     * @param context tokens {@code [B*M, contextDim]} for cross-attention, or null
     * @param cond    {@code [B, condDim]} AdaGN vector, or null
     */
    public static SDVariable build(Scope s, UNetConfig c, SDVariable x, SDVariable t, SDVariable context, int contextTokens,
                                   int contextDim, SDVariable cond, int condDim) {
        Trunk trunk = trunk(s, c, x, t, context, contextTokens, contextDim, cond, condDim);
        return head(s, c, trunk, trunk.emb(), context, contextTokens, contextDim, cond, condDim);
    }

    /** Time embedding, input conv and the input blocks (the encoder half). */
    public static Trunk trunk(Scope s, UNetConfig c, SDVariable x, SDVariable t, SDVariable context, int contextTokens,
                              int contextDim, SDVariable cond, int condDim) {
        int embDim = c.timeEmbedDim();
        SDVariable emb = Blocks.timeMlp(s.child("time_embed"), t, c.modelChannels(), embDim);
        int g = c.groups();
        int mc = c.modelChannels();
        Feature h = new Feature(Layers.conv2d(s.child("in").child("0"), x, c.inChannels(), mc, 3, 1, 1, false), mc,
                c.resolution(), c.resolution());
        List<Feature> skips = new ArrayList<>();
        skips.add(h);
        int ds = 1;
        int block = 1;
        for (int level = 0; level < c.channelMult().size(); level++) {
            int ch = mc * c.channelMult().get(level);
            for (int r = 0; r < c.numResBlocks(); r++) {
                Scope b = s.child("in").child(String.valueOf(block++));
                h = Blocks.resBlock(b.child("res"), h, ch, emb, embDim, cond, condDim, Resample.NONE, g);
                if (c.hasTransformerAt(ds)) h = transformer(b.child("attn"), c, h, ds, context, contextTokens, contextDim);
                skips.add(h);
            }
            if (level != c.channelMult().size() - 1) {
                Scope b = s.child("in").child(String.valueOf(block++));
                h = downsample(b, c, h, emb, embDim, cond, condDim);
                skips.add(h);
                ds *= 2;
            }
        }
        return new Trunk(emb, h, skips);
    }

    /**
     * The decoder half under scope {@code s}: middle block, output blocks taking the trunk's skips, GN-SiLU-zero conv.
     * {@code emb} replaces the trunk's time embedding (DisDiff adds a part embedding to it); {@code cond} is the
     * second scale-shift of every ResBlock (DisDiff's ResBlockShift, AdaGN).
     */
    public static SDVariable head(Scope s, UNetConfig c, Trunk trunk, SDVariable emb, SDVariable context, int contextTokens,
                                  int contextDim, SDVariable cond, int condDim) {
        int embDim = c.timeEmbedDim();
        int g = c.groups();
        int mc = c.modelChannels();
        Deque<Feature> skips = new ArrayDeque<>();
        for (Feature f : trunk.skips()) skips.push(f);
        int ds = 1 << (c.channelMult().size() - 1);
        Feature h = trunk.bottleneck();
        Scope mid = s.child("mid");
        h = Blocks.resBlock(mid.child("res0"), h, h.channels(), emb, embDim, cond, condDim, Resample.NONE, g);
        h = transformer(mid.child("attn"), c, h, 0, context, contextTokens, contextDim);
        h = Blocks.resBlock(mid.child("res1"), h, h.channels(), emb, embDim, cond, condDim, Resample.NONE, g);
        int block = 0;
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
        SDVariable o = Layers.groupNormSilu(s.child("out_norm"), h.x(), h.channels(), h.height(), h.width(),
                Layers.groupsFor(h.channels(), g), Layers.GROUP_NORM_EPS, null, null);
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
