package org.factorlab.nn;

import java.util.List;

/**
 * LDM openaimodel U-Net sizes. {@code attentionResolutions} are downsampling factors in LDM's sense (1 = full
 * resolution, 2 = after the first downsample, ...). {@code dimHead} 0 means {@code channels / numHeads} (LDM's
 * num_head_channels = -1). {@code groups} is GroupNorm's group count (32 in LDM; reduced to a divisor for tiny
 * widths).
 */
public record UNetConfig(int inChannels, int outChannels, int resolution, int modelChannels, List<Integer> channelMult,
                         int numResBlocks, List<Integer> attentionResolutions, int numHeads, int dimHead, int groups,
                         boolean resblockUpdown, int transformerDepth) {
    public UNetConfig {
        channelMult = List.copyOf(channelMult);
        attentionResolutions = List.copyOf(attentionResolutions);
        require(inChannels > 0, "inChannels", inChannels);
        require(outChannels > 0, "outChannels", outChannels);
        require(modelChannels > 0, "modelChannels", modelChannels);
        require(!channelMult.isEmpty(), "channelMult", channelMult);
        require(numResBlocks > 0, "numResBlocks", numResBlocks);
        require(numHeads > 0, "numHeads", numHeads);
        require(dimHead >= 0, "dimHead", dimHead);
        require(groups > 0, "groups", groups);
        require(transformerDepth > 0, "transformerDepth", transformerDepth);
        int down = 1 << (channelMult.size() - 1);
        if (resolution % down != 0)
            throw new IllegalArgumentException("unet.resolution: " + resolution + " is not divisible by " + down
                    + " (2^(levels-1) for channelMult " + channelMult + ")");
    }

    public int timeEmbedDim() {
        return 4 * modelChannels;
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
