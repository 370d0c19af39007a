package org.factorlab.nn;

import java.util.List;

/**
 * LDM openaimodel U-Net sizes. {@code attentionResolutions} are downsampling factors in LDM's sense (1 = full
 * resolution, 2 = after the first downsample, ...). {@code dimHead} 0 means {@code channels / numHeads} (LDM's
 * num_head_channels = -1). {@code groups} is GroupNorm's group count (32 in LDM; reduced to a divisor for tiny
 * widths). {@code crossAttentionOnlyResolutions} are downsampling factors at which the transformer has no
 * self-attention (cross-attention and feed-forward only): conditioning at full-resolution levels, where
 * self-attention's cost grows with the square of the positions.
 */
public record UNetConfig(int inChannels, int outChannels, int resolution, int modelChannels, List<Integer> channelMult,
                         int numResBlocks, List<Integer> attentionResolutions,
                         List<Integer> crossAttentionOnlyResolutions, int numHeads, int dimHead, int groups,
                         boolean resblockUpdown, int transformerDepth) {
    public UNetConfig {
        channelMult = List.copyOf(channelMult);
        attentionResolutions = List.copyOf(attentionResolutions);
        crossAttentionOnlyResolutions = List.copyOf(crossAttentionOnlyResolutions);
        require(inChannels > 0, "inChannels", inChannels);
        require(outChannels > 0, "outChannels", outChannels);
        require(modelChannels > 0, "modelChannels", modelChannels);
        require(!channelMult.isEmpty(), "channelMult", channelMult);
        require(numResBlocks > 0, "numResBlocks", numResBlocks);
        require(numHeads > 0, "numHeads", numHeads);
        require(dimHead >= 0, "dimHead", dimHead);
        require(groups > 0, "groups", groups);
        require(transformerDepth > 0, "transformerDepth", transformerDepth);
        for (int ds : crossAttentionOnlyResolutions)
            require(!attentionResolutions.contains(ds), "crossAttentionOnlyResolutions",
                    crossAttentionOnlyResolutions + " (" + ds + " is also in attentionResolutions)");
        int down = 1 << (channelMult.size() - 1);
        if (resolution % down != 0)
            throw new IllegalArgumentException("unet.resolution: " + resolution + " is not divisible by " + down
                    + " (2^(levels-1) for channelMult " + channelMult + ")");
    }

    public int timeEmbedDim() {
        return 4 * modelChannels;
    }

    /** Whether the encoder-side or decoder-side block at downsampling factor {@code ds} gets a transformer. */
    public boolean hasTransformerAt(int ds) {
        return attentionResolutions.contains(ds) || crossAttentionOnlyResolutions.contains(ds);
    }

    public int dimHeadFor(int channels) {
        if (dimHead > 0) return dimHead;
        if (channels % numHeads != 0)
            throw new IllegalArgumentException("unet.numHeads: " + numHeads + " does not divide " + channels + " channels");
        return channels / numHeads;
    }

    private static void require(boolean ok, String field, Object value) {
        if (!ok) throw new IllegalArgumentException("unet." + field + ": invalid value " + value);
    }
}
