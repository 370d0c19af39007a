package org.factorlab.diffusion;

import static org.factorlab.diffusion.GaussianDiffusion.fill;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DDIM (Song et al.) over a subset of the training timesteps, for any parameterization, as LDM's DDIMSampler:
 * <pre>
 *   x0^ = predicted x0, eps^ = predicted eps            (at timestep tau_i, abar a_i)
 *   x_prev = sqrt(a_prev) x0^ + sqrt(1 - a_prev - sigma_i^2) eps^ + sigma_i z
 *   sigma_i = eta sqrt((1 - a_prev) / (1 - a_i) (1 - a_i / a_prev))
 * </pre>
 * The whole loop is {@link #sample(Denoiser, INDArray, SeededNoise)}. {@link #invert} runs the eta = 0 sampler
 * backwards (x0 -> x_T) for reconstruction from an inverted x_T.
 */
public final class DdimSampler {
    private final GaussianDiffusion diffusion;
    private final DdimConfig config;
    private final int[] timesteps;
    private final double[] alphas;
    private final double[] alphasPrev;
    private final double[] sigmas;

    public DdimSampler(GaussianDiffusion diffusion, DdimConfig config) {
        this.diffusion = diffusion;
        this.config = config;
        this.timesteps = config.spacing().timesteps(config.steps(), diffusion.timesteps());
        double[] abar = diffusion.schedule().rawAlphasCumprod();
        int n = timesteps.length;
        alphas = new double[n];
        alphasPrev = new double[n];
        sigmas = new double[n];
        for (int i = 0; i < n; i++) {
            alphas[i] = abar[timesteps[i]];
            alphasPrev[i] = i > 0 ? abar[timesteps[i - 1]] : (config.finalAlphaOne() ? 1.0 : abar[0]);
            sigmas[i] = config.eta() * Math.sqrt((1 - alphasPrev[i]) / (1 - alphas[i]) * (1 - alphas[i] / alphasPrev[i]));
        }
    }

    public DdimConfig config() {
        return config;
    }

    /** The timesteps visited, ascending (sampling runs them from last to first). */
    public int[] timesteps() {
        return timesteps.clone();
    }

    /** Number of network evaluations per sample (may exceed the requested steps with LDM's uniform spacing). */
    public int steps() {
        return timesteps.length;
    }

    /** abar at each visited timestep, the abar each step lands on, and each step's sigma. */
    public double[] alphas() { return alphas.clone(); }
    public double[] alphasPrev() { return alphasPrev.clone(); }
    public double[] sigmas() { return sigmas.clone(); }

    /** Samples from x_T ~ N(0, I) drawn from {@code seed}; the same seed gives the same samples. */
    public INDArray sample(Denoiser model, DataType type, long[] shape, long seed) {
        SeededNoise noise = new SeededNoise(seed);
        return sample(model, noise.gaussian(type, shape), noise);
    }

    /** Runs the reverse process from {@code xT}; {@code noise} feeds the eta > 0 steps (unused for eta = 0). */
    public INDArray sample(Denoiser model, INDArray xT, SeededNoise noise) {
        INDArray x = xT;
        for (int i = timesteps.length - 1; i >= 0; i--)
            x = step(i, x, model.predict(x, fill((int) x.size(0), timesteps[i])), noise).next();
        return x;
    }

    /** Step {@code i} (0 = last, lands on the data side): x at timesteps()[i] -> the previous state. */
    public GaussianDiffusion.Step step(int i, INDArray x, INDArray modelOutput, SeededNoise noise) {
        int[] t = fill((int) x.size(0), timesteps[i]);
        INDArray x0 = GaussianDiffusion.clip(diffusion.predictX0(x, t, modelOutput), config.clipX0());
        INDArray eps = Double.isInfinite(config.clipX0())
                ? diffusion.predictEps(x, t, modelOutput) : diffusion.epsFromX0(x, t, x0);
        double dir = Math.sqrt(Math.max(0, 1 - alphasPrev[i] - sigmas[i] * sigmas[i]));
        INDArray next = x0.mul(Math.sqrt(alphasPrev[i])).addi(eps.muli(dir));
        if (sigmas[i] > 0) next.addi(noise.gaussianLike(x).muli(sigmas[i]));
        return new GaussianDiffusion.Step(next, x0);
    }

    /**
     * Deterministic DDIM inversion (x0 -> x_T, eta = 0), improved-diffusion's ddim_reverse_sample over the same
     * timesteps: the network is evaluated at the current state's timestep (the clean image counts as timestep 0),
     * and x_next = sqrt(a_next) x0^ + sqrt(1 - a_next) eps^. Sampling the result with eta = 0 reconstructs x0 up
     * to the discretisation error.
     */
    public INDArray invert(Denoiser model, INDArray x0) {
        INDArray x = x0;
        for (int i = 0; i < timesteps.length; i++) {
            int[] t = fill((int) x.size(0), i == 0 ? 0 : timesteps[i - 1]);
            INDArray out = model.predict(x, t);
            INDArray xs = GaussianDiffusion.clip(diffusion.predictX0(x, t, out), config.clipX0());
            INDArray eps = Double.isInfinite(config.clipX0())
                    ? diffusion.predictEps(x, t, out) : diffusion.epsFromX0(x, t, xs);
            x = xs.muli(Math.sqrt(alphas[i])).addi(eps.muli(Math.sqrt(1 - alphas[i])));
        }
        return x;
    }
}
