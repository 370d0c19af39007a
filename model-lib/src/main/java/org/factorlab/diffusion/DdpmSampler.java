package org.factorlab.diffusion;

import static org.factorlab.diffusion.GaussianDiffusion.fill;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Ancestral DDPM sampling over all T steps (LDM's p_sample_loop, fixed-small variance). */
public final class DdpmSampler {
    private final GaussianDiffusion diffusion;
    private final double clipX0;

    /** @param clipX0 clip range for the predicted x0 (LDM clips to 1 in pixel space), or Infinity for none */
    public DdpmSampler(GaussianDiffusion diffusion, double clipX0) {
        if (!(clipX0 > 0)) throw new IllegalArgumentException("clipX0: must be > 0 (Infinity for none), got " + clipX0);
        this.diffusion = diffusion;
        this.clipX0 = clipX0;
    }

    public INDArray sample(Denoiser model, DataType type, long[] shape, long seed) {
        SeededNoise noise = new SeededNoise(seed);
        return sample(model, noise.gaussian(type, shape), noise);
    }

    public INDArray sample(Denoiser model, INDArray xT, SeededNoise noise) {
        INDArray x = xT;
        for (int t = diffusion.timesteps() - 1; t >= 0; t--) {
            int[] ts = fill((int) x.size(0), t);
            x = diffusion.pStep(x, ts, model.predict(x, ts), noise.gaussianLike(x), clipX0).next();
        }
        return x;
    }
}
