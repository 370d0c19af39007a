package org.factorlab.ingest;

/**
 * The crop applied to CelebA's aligned 178x218 images before resizing to 64x64. {@link #CENTER_148} is the
 * common 64x64 protocol (centre 148x148 square); {@link #BOX_128} is the tighter 128x128 face box centred at
 * (89, 121) used by several disentanglement papers.
 */
public enum CelebaCrop {
    CENTER_148(15, 35, 148),
    BOX_128(89 - 64, 121 - 64, 128);

    /** Left column, top row and side of the square crop in the 178x218 source. */
    public final int x0;
    public final int y0;
    public final int size;

    CelebaCrop(int x0, int y0, int size) {
        this.x0 = x0;
        this.y0 = y0;
        this.size = size;
    }
}
