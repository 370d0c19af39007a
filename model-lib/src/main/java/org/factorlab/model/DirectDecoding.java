package org.factorlab.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A decoder that maps a plain code straight back to an image (the VAEs, the toy autoencoder): reconstruction, unit
 * swaps and traversals all follow from {@link #encode} and {@link #decode}, one code entry per unit.
 */
public interface DirectDecoding extends Decoding {
    /** Images {@code [B, C, H, W]} in [-1, 1] to codes {@code [B, D]}. */
    INDArray encode(INDArray images);

    /** Codes {@code [B, D]} to images {@code [B, C, H, W]} in [-1, 1]. */
    INDArray decode(INDArray codes);

    @Override
    default INDArray reconstruct(INDArray images, Options o) {
        return decode(encode(images));
    }

    @Override
    default INDArray swap(INDArray sources, INDArray targets, Options o) {
        return Decoding.swapUnits(encode(sources), encode(targets), 1, this::decode);
    }

    @Override
    default INDArray traverse(INDArray image, int dim, double[] values, Options o) {
        return decode(Decoding.traversedCodes(encode(image), dim, values));
    }
}
