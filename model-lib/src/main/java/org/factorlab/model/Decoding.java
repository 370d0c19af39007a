package org.factorlab.model;

import org.factorlab.diffusion.DdimConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Codes back to images, for the picture commands. Images are {@code [B, C, H, W]} in [-1, 1]. A model's code is
 * split into {@link #units()} swappable units (EncDiff's tokens, a VAE's latent dimensions); traversals move one
 * code entry. Diffusion decoders use the options' DDIM settings, start and seed; direct decoders ignore them.
 */
public interface Decoding {
    /** Where a diffusion decoder starts the reverse process. */
    enum Start {
        /** Seeded Gaussian x_T: the content must come from the code. */
        NOISE,
        /** The DDIM-inverted x_T of the (target) image: pixel detail is carried by x_T. */
        INVERTED
    }

    /** How to decode: DDIM settings, where to start and the seed of any noise. */
    record Options(DdimConfig ddim, Start start, long seed) {
    }

    /** Number of swappable units in a code. */
    int units();

    /** What a unit is called in pictures ("token", "z"). */
    String unitName();

    /** Encode, then decode. Returns {@code [B, C, H, W]}. */
    INDArray reconstruct(INDArray images, Options o);

    /**
     * Unit swaps: for each unit c (first axis) and pair i (second), target i's code with unit c replaced by source
     * i's, decoded. Returns {@code [units, P, C, H, W]}.
     */
    INDArray swap(INDArray sources, INDArray targets, Options o);

    /** One image's code with entry {@code dim} set to each of {@code values}, decoded. Returns {@code [values, C, H, W]}. */
    INDArray traverse(INDArray image, int dim, double[] values, Options o);
}
