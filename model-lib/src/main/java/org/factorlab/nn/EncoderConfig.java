package org.factorlab.nn;

/**
 * Encoder4 sizes (docs/reference.md): {@code downsamples} x [conv 4x4 stride 2, {@code channels}, norm, ReLU]
 * (the third without ReLU), {@code resBlocks} residual blocks, norm, ReLU, flatten, Linear -> {@code outDim}.
 * Input {@code resolution} must be divisible by 2^downsamples (32 and 64 both work with 4).
 */
public record EncoderConfig(int inChannels, int resolution, int channels, int downsamples, int resBlocks, int outDim,
                            EncoderNorm norm, double bnMomentum) {
    public EncoderConfig {
        if (inChannels < 1) throw new IllegalArgumentException("encoder.inChannels: must be positive, got " + inChannels);
        if (channels < 1) throw new IllegalArgumentException("encoder.channels: must be positive, got " + channels);
        if (downsamples < 1) throw new IllegalArgumentException("encoder.downsamples: must be >= 1, got " + downsamples);
        if (resBlocks < 0) throw new IllegalArgumentException("encoder.resBlocks: must be >= 0, got " + resBlocks);
        if (outDim < 1) throw new IllegalArgumentException("encoder.outDim: must be positive, got " + outDim);
        if (resolution % (1 << downsamples) != 0)
            throw new IllegalArgumentException("encoder.resolution: " + resolution + " not divisible by 2^" + downsamples);
        if (norm == null) throw new IllegalArgumentException("encoder.norm: required (batch or group)");
        if (!(bnMomentum > 0 && bnMomentum <= 1))
            throw new IllegalArgumentException("encoder.bnMomentum: must be in (0, 1], got " + bnMomentum);
    }

    public int finalResolution() {
        return resolution >> downsamples;
    }

    public int flattenDim() {
        return channels * finalResolution() * finalResolution();
    }
}
