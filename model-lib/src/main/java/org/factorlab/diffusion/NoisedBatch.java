package org.factorlab.diffusion;

import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A clean batch pushed through q(x_t | x0): the network input {@code xt} at timesteps {@code t}, the noise used,
 * and the regression target of the diffusion's parameterization. Feed {@code xt}, {@code t} (see
 * {@link GaussianDiffusion#timestepArray}) and {@code target} to the training graph.
 */
public record NoisedBatch(int[] t, INDArray noise, INDArray xt, INDArray target) {
}
