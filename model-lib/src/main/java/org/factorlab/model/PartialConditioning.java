package org.factorlab.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Sampling with one unit of the code at a time (DisDiff's Eq. 6), for {@code factorlab partial}: each cell starts
 * from the same seeded x_T and is steered by one unit of one image's code only.
 */
public interface PartialConditioning {
    /** For each unit c (first axis) and image i (second): decoded with only unit c of image i's code. {@code [units, B, C, H, W]}. */
    INDArray partial(INDArray images, Decoding.Options o);
}
