package org.factorlab.model;

import org.nd4j.linalg.api.ndarray.INDArray;

/** Where each unit of the code is attended to while decoding (EncDiff's cross-attention), for the attention command. */
public interface AttentionMaps {
    /**
     * @param maps    {@code [B, units, H, W]} at image resolution, each position's values summing to 1
     * @param decoded the images decoded while the maps were taken, {@code [B, C, H, W]}
     */
    record Result(INDArray maps, INDArray decoded) {
    }

    /** Maps of decoding {@code images}' own codes with the given options. */
    Result attentionMaps(INDArray images, Decoding.Options o);

    /** Attention layers averaged into each map. */
    int attentionLayers();
}
