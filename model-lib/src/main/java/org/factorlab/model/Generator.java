package org.factorlab.model;

import org.factorlab.diffusion.DdimConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Unconditional samples of a generative model, for {@code factorlab sample}. */
public interface Generator {
    /** {@code n} samples {@code [n, C, H, W]} in about [-1, 1] by DDIM from x_T drawn from {@code seed}. */
    INDArray sample(int n, DdimConfig ddim, long seed);
}
