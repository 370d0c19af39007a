package org.factorlab.diffusion;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The network as the samplers see it: (x_t, per-sample timesteps) -> model output in the diffusion's
 * {@link Parameterization}. Conditioning (tokens, class rows) is closed over by the lambda, so the core never
 * imports a network.
 */
@FunctionalInterface
public interface Denoiser {
    /**
     * @param xt noisy input {@code [B, C, H, W]}
     * @param t  0-based timesteps, one per sample
     * @return model output, same shape as {@code xt}
     */
    INDArray predict(INDArray xt, int[] t);
}
