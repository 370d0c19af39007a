package org.factorlab.data;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A minibatch: images as float {@code [B, C, H, W]} in [-1, 1], and each image's factor classes
 * {@code factors[b][k]} (an empty row per image for datasets without ground-truth factors); for latent shards also
 * each image's first-stage latent {@code [B, c, h, w]} ({@code latents}, null otherwise).
 */
public record Batch(INDArray images, int[][] factors, INDArray latents) {
    public Batch {
        if (images.rank() != 4) throw new IllegalArgumentException("images must be [B, C, H, W], got rank " + images.rank());
        if (factors.length != images.size(0))
            throw new IllegalArgumentException(images.size(0) + " images but " + factors.length + " factor rows");
        if (latents != null && (latents.rank() != 4 || latents.size(0) != images.size(0)))
            throw new IllegalArgumentException(images.size(0) + " images but latents " + java.util.Arrays.toString(latents.shape()));
    }

    public Batch(INDArray images, int[][] factors) {
        this(images, factors, null);
    }

    public int size() {
        return factors.length;
    }
}
