package org.factorlab.data;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one conversion between stored images (raw HWC uint8) and model tensors (float {@code [B, C, H, W]} in
 * [-1, 1]): {@code x = v / 127.5 - 1}, and back {@code v = round((x + 1) * 127.5)} clamped to [0, 255].
 */
public final class Images {
    private Images() {
    }

    /** Stacks HWC uint8 images of the given shape into a float {@code [B, C, H, W]} tensor in [-1, 1]. */
    public static INDArray toTensor(byte[][] images, ImageShape shape) {
        int h = shape.height(), w = shape.width(), c = shape.channels(), hw = h * w, n = shape.bytes();
        float[] buf = new float[images.length * n];
        for (int b = 0; b < images.length; b++) {
            byte[] img = images[b];
            if (img.length != n) throw new IllegalArgumentException("image " + b + " has " + img.length + " bytes, expected " + n + " for " + shape);
            int base = b * n;
            for (int p = 0; p < hw; p++)
                for (int ch = 0; ch < c; ch++) buf[base + ch * hw + p] = (img[p * c + ch] & 0xFF) / 127.5f - 1f;
        }
        return Nd4j.create(buf, new long[]{images.length, c, h, w}, 'c');
    }

    /** Image {@code b} of a {@code [B, C, H, W]} tensor in [-1, 1] as HWC uint8 bytes (values outside are clamped). */
    public static byte[] toBytes(INDArray tensor, int b) {
        if (tensor.rank() != 4) throw new IllegalArgumentException("expected [B, C, H, W], got rank " + tensor.rank());
        int c = (int) tensor.size(1), h = (int) tensor.size(2), w = (int) tensor.size(3);
        float[] x = tensor.get(org.nd4j.linalg.indexing.NDArrayIndex.point(b)).dup('c').data().asFloat();
        byte[] out = new byte[h * w * c];
        for (int ch = 0; ch < c; ch++)
            for (int p = 0; p < h * w; p++) {
                long v = Math.round((x[ch * h * w + p] + 1.0) * 127.5);
                out[p * c + ch] = (byte) Math.max(0, Math.min(255, v));
            }
        return out;
    }
}
