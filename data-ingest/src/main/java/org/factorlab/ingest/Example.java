package org.factorlab.ingest;

/**
 * One image on its way into shards: its canonical index (factor-grid index, or the source row for datasets
 * without factors), raw HWC uint8 pixels at the spec's image shape, its factor classes and any integer
 * attributes (CelebA's 40 attributes as 0/1, then its split), and, in latent shards, its first-stage latent
 * (float32, CHW; null otherwise).
 */
public record Example(long index, byte[] image, int[] factors, int[] attributes, float[] latent) {
    public Example {
        if (index < 0) throw new IllegalArgumentException("negative index " + index);
        if (factors == null) factors = new int[0];
        if (attributes == null) attributes = new int[0];
    }

    public Example(long index, byte[] image, int[] factors, int[] attributes) {
        this(index, image, factors, attributes, null);
    }

    /** The same row with a latent. */
    public Example withLatent(float[] latent) {
        return new Example(index, image, factors, attributes, latent);
    }
}
