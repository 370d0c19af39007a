package org.factorlab.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What evaluation needs of a trained model: images {@code [B, C, H, W]} in [-1, 1] to codes {@code [B, D]}.
 * Vector-valued models report their unit size so that metrics can reduce each unit (e.g. PCA to one number).
 */
public interface RepresentationEncoder {
    INDArray encode(INDArray images);

    int codeDim();

    /** Dimensions per unit: 1 for scalar codes (EncDiff), 32 for DisDiff's units. */
    default int unitSize() {
        return 1;
    }
}
