package org.factorlab.data;

/** Image geometry as stored in shards: height x width x channels, uint8, HWC order. */
public record ImageShape(int height, int width, int channels) {
    public ImageShape {
        if (height < 1 || width < 1 || channels < 1)
            throw new IllegalArgumentException("image shape must be positive, got " + height + "x" + width + "x" + channels);
    }

    public int bytes() {
        return height * width * channels;
    }

    public static ImageShape square(int size, int channels) {
        return new ImageShape(size, size, channels);
    }
}
