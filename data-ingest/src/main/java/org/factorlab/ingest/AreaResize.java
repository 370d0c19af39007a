package org.factorlab.ingest;

/**
 * Crops a window out of an HWC uint8 image and resizes it by exact area averaging: each output pixel is the
 * mean of the source area it covers, with fractional weights at the edges (as OpenCV's INTER_AREA for
 * downscaling). This antialiases properly; nearest-neighbour would alias fine texture. Separable, immutable and
 * thread-safe; build one per geometry and reuse it.
 */
public final class AreaResize {
    private final int srcWidth;
    private final int channels;
    private final int outHeight;
    private final int outWidth;
    private final Taps rows;
    private final Taps cols;

    /**
     * @param srcHeight, srcWidth, channels source geometry
     * @param x0, y0, cropWidth, cropHeight the window (may be fractional in size ratio, integer in position)
     * @param outHeight, outWidth output size
     */
    public AreaResize(int srcHeight, int srcWidth, int channels, int x0, int y0, int cropWidth, int cropHeight,
                      int outHeight, int outWidth) {
        if (x0 < 0 || y0 < 0 || x0 + cropWidth > srcWidth || y0 + cropHeight > srcHeight)
            throw new IllegalArgumentException("crop " + cropWidth + "x" + cropHeight + " at (" + x0 + ", " + y0
                    + ") does not fit a " + srcWidth + "x" + srcHeight + " image");
        if (outHeight > cropHeight || outWidth > cropWidth)
            throw new IllegalArgumentException("area averaging only downscales");
        this.srcWidth = srcWidth;
        this.channels = channels;
        this.outHeight = outHeight;
        this.outWidth = outWidth;
        this.rows = new Taps(y0, cropHeight, outHeight);
        this.cols = new Taps(x0, cropWidth, outWidth);
    }

    public int outputBytes() {
        return outHeight * outWidth * channels;
    }

    /** Resizes {@code src} (HWC uint8) into a new array of {@code outputBytes()}. */
    public byte[] apply(byte[] src) {
        // horizontal pass into floats for every source row the vertical pass needs
        int rowStart = rows.first[0];
        int rowEnd = rows.first[outHeight - 1] + rows.weights[outHeight - 1].length;
        float[] tmp = new float[(rowEnd - rowStart) * outWidth * channels];
        for (int y = rowStart; y < rowEnd; y++) {
            int srcRow = y * srcWidth * channels;
            int tmpRow = (y - rowStart) * outWidth * channels;
            for (int ox = 0; ox < outWidth; ox++) {
                float[] w = cols.weights[ox];
                int sx = cols.first[ox];
                for (int c = 0; c < channels; c++) {
                    float acc = 0;
                    for (int t = 0; t < w.length; t++) acc += w[t] * (src[srcRow + (sx + t) * channels + c] & 0xff);
                    tmp[tmpRow + ox * channels + c] = acc;
                }
            }
        }
        byte[] out = new byte[outputBytes()];
        int stride = outWidth * channels;
        for (int oy = 0; oy < outHeight; oy++) {
            float[] w = rows.weights[oy];
            int base = (rows.first[oy] - rowStart) * stride;
            for (int i = 0; i < stride; i++) {
                float acc = 0;
                for (int t = 0; t < w.length; t++) acc += w[t] * tmp[base + t * stride + i];
                int v = (int) Math.floor(acc + 0.5f);
                out[oy * stride + i] = (byte) Math.max(0, Math.min(255, v));
            }
        }
        return out;
    }

    /** Per output pixel: the first source pixel it covers and the normalised coverage of each source pixel. */
    private static final class Taps {
        final int[] first;
        final float[][] weights;

        Taps(int start, int length, int out) {
            first = new int[out];
            weights = new float[out][];
            double scale = (double) length / out;
            for (int o = 0; o < out; o++) {
                double a = start + o * scale, b = start + (o + 1) * scale;
                int lo = (int) Math.floor(a), hi = (int) Math.ceil(b - 1e-9);
                first[o] = lo;
                weights[o] = new float[hi - lo];
                for (int i = lo; i < hi; i++)
                    weights[o][i - lo] = (float) (Math.max(0, Math.min(b, i + 1) - Math.max(a, i)) / scale);
            }
        }
    }
}
