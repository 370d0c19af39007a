package org.factorlab.diffusion;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The constants of a discrete Gaussian diffusion with T steps, computed in double precision exactly as LDM's
 * {@code DDPM.register_schedule} computes them (v_posterior = 0). Timesteps are 0-based: {@code t = 0 .. T-1}.
 * Immutable; the getters return copies.
 */
public final class DiffusionSchedule {
    /** Floor of the posterior variance before its log (LDM's np.maximum(posterior_variance, 1e-20)). */
    public static final double POSTERIOR_VARIANCE_FLOOR = 1e-20;

    private final ScheduleConfig config;
    private final int T;
    private final double[] betas;
    private final double[] alphas;
    private final double[] alphasCumprod;
    private final double[] alphasCumprodPrev;
    private final double[] sqrtAlphasCumprod;
    private final double[] sqrtOneMinusAlphasCumprod;
    private final double[] logOneMinusAlphasCumprod;
    private final double[] sqrtRecipAlphasCumprod;
    private final double[] sqrtRecipm1AlphasCumprod;
    private final double[] posteriorVariance;
    private final double[] posteriorLogVarianceClipped;
    private final double[] posteriorMeanCoef1;
    private final double[] posteriorMeanCoef2;

    public DiffusionSchedule(ScheduleConfig config) {
        this(config, config.betas());
    }

    private DiffusionSchedule(ScheduleConfig config, double[] betas) {
        this.config = config;
        this.T = betas.length;
        this.betas = betas;
        for (int t = 0; t < T; t++)
            if (!(betas[t] > 0 && betas[t] < 1))
                throw new IllegalArgumentException("beta[" + t + "] = " + betas[t] + " is outside (0, 1) for " + config);
        alphas = new double[T];
        alphasCumprod = new double[T];
        alphasCumprodPrev = new double[T];
        sqrtAlphasCumprod = new double[T];
        sqrtOneMinusAlphasCumprod = new double[T];
        logOneMinusAlphasCumprod = new double[T];
        sqrtRecipAlphasCumprod = new double[T];
        sqrtRecipm1AlphasCumprod = new double[T];
        posteriorVariance = new double[T];
        posteriorLogVarianceClipped = new double[T];
        posteriorMeanCoef1 = new double[T];
        posteriorMeanCoef2 = new double[T];
        double cum = 1;
        for (int t = 0; t < T; t++) {
            alphas[t] = 1 - betas[t];
            alphasCumprodPrev[t] = cum;
            cum *= alphas[t];
            alphasCumprod[t] = cum;
        }
        for (int t = 0; t < T; t++) {
            double a = alphasCumprod[t], ap = alphasCumprodPrev[t], b = betas[t];
            sqrtAlphasCumprod[t] = Math.sqrt(a);
            sqrtOneMinusAlphasCumprod[t] = Math.sqrt(1 - a);
            logOneMinusAlphasCumprod[t] = Math.log(1 - a);
            sqrtRecipAlphasCumprod[t] = Math.sqrt(1 / a);
            sqrtRecipm1AlphasCumprod[t] = Math.sqrt(1 / a - 1);
            posteriorVariance[t] = b * (1 - ap) / (1 - a);
            posteriorLogVarianceClipped[t] = Math.log(Math.max(posteriorVariance[t], POSTERIOR_VARIANCE_FLOOR));
            posteriorMeanCoef1[t] = b * Math.sqrt(ap) / (1 - a);
            posteriorMeanCoef2[t] = (1 - ap) * Math.sqrt(alphas[t]) / (1 - a);
        }
    }

    public ScheduleConfig config() {
        return config;
    }

    /** T, the number of diffusion steps. */
    public int timesteps() {
        return T;
    }

    public double[] betas() { return betas.clone(); }
    public double[] alphas() { return alphas.clone(); }
    /** abar_t = prod_{s <= t} (1 - beta_s). */
    public double[] alphasCumprod() { return alphasCumprod.clone(); }
    /** abar_{t-1}, with abar_{-1} = 1. */
    public double[] alphasCumprodPrev() { return alphasCumprodPrev.clone(); }
    public double[] sqrtAlphasCumprod() { return sqrtAlphasCumprod.clone(); }
    public double[] sqrtOneMinusAlphasCumprod() { return sqrtOneMinusAlphasCumprod.clone(); }
    public double[] logOneMinusAlphasCumprod() { return logOneMinusAlphasCumprod.clone(); }
    public double[] sqrtRecipAlphasCumprod() { return sqrtRecipAlphasCumprod.clone(); }
    public double[] sqrtRecipm1AlphasCumprod() { return sqrtRecipm1AlphasCumprod.clone(); }
    /** beta~_t = beta_t (1 - abar_{t-1}) / (1 - abar_t); zero at t = 0. */
    public double[] posteriorVariance() { return posteriorVariance.clone(); }
    /** log(max(beta~_t, 1e-20)) as LDM (improved-diffusion instead repeats beta~_1 at t = 0; unused by sampling). */
    public double[] posteriorLogVarianceClipped() { return posteriorLogVarianceClipped.clone(); }
    /** Coefficient of x0 in the posterior mean: beta_t sqrt(abar_{t-1}) / (1 - abar_t). */
    public double[] posteriorMeanCoef1() { return posteriorMeanCoef1.clone(); }
    /** Coefficient of x_t in the posterior mean: (1 - abar_{t-1}) sqrt(alpha_t) / (1 - abar_t). */
    public double[] posteriorMeanCoef2() { return posteriorMeanCoef2.clone(); }

    public double alphaCumprod(int t) {
        check(t);
        return alphasCumprod[t];
    }

    /**
     * LDM's VLB weights for the "simple" loss's ELBO term, per parameterization: eps:
     * beta^2 / (2 beta~ alpha (1 - abar)); x0: 0.5 sqrt(abar) / (2 - abar) (LDM's expression, "2. * 1 - abar");
     * v: ones. Entry 0 is set to entry 1 (beta~_0 = 0). Only needed when original_elbo_weight > 0.
     */
    public double[] lvlbWeights(Parameterization p) {
        double[] w = new double[T];
        for (int t = 0; t < T; t++) {
            w[t] = switch (p) {
                case EPS -> betas[t] * betas[t] / (2 * posteriorVariance[t] * alphas[t] * (1 - alphasCumprod[t]));
                case X0 -> 0.5 * Math.sqrt(alphasCumprod[t]) / (2.0 * 1 - alphasCumprod[t]);
                case V -> 1.0;
            };
        }
        w[0] = w[1];
        return w;
    }

    /**
     * One coefficient per sample, {@code table[t[b]]}, shaped {@code [B, 1, ..., 1]} (rank {@code rank}) in
     * {@code type} so that it broadcasts against {@code [B, C, H, W]}: LDM's {@code extract_into_tensor}.
     */
    public INDArray gather(double[] table, int[] t, int rank, DataType type) {
        long[] shape = new long[Math.max(rank, 1)];
        java.util.Arrays.fill(shape, 1);
        shape[0] = t.length;
        double[] v = new double[t.length];
        for (int b = 0; b < t.length; b++) {
            check(t[b]);
            v[b] = table[t[b]];
        }
        return Nd4j.create(v, shape, DataType.DOUBLE).castTo(type);
    }

    /** {@link #gather} for a table of this schedule read by name, shaped to broadcast against {@code like}. */
    INDArray coef(double[] table, int[] t, INDArray like) {
        if (like.size(0) != t.length)
            throw new IllegalArgumentException("batch has " + like.size(0) + " samples but " + t.length + " timesteps");
        return gather(table, t, like.rank(), like.dataType());
    }

    // Package-private raw views for the core's own arithmetic (never mutated).
    double[] rawSqrtAlphasCumprod() { return sqrtAlphasCumprod; }
    double[] rawSqrtOneMinusAlphasCumprod() { return sqrtOneMinusAlphasCumprod; }
    double[] rawSqrtRecipAlphasCumprod() { return sqrtRecipAlphasCumprod; }
    double[] rawSqrtRecipm1AlphasCumprod() { return sqrtRecipm1AlphasCumprod; }
    double[] rawAlphasCumprod() { return alphasCumprod; }
    double[] rawPosteriorMeanCoef1() { return posteriorMeanCoef1; }
    double[] rawPosteriorMeanCoef2() { return posteriorMeanCoef2; }
    double[] rawPosteriorVariance() { return posteriorVariance; }
    double[] rawPosteriorLogVarianceClipped() { return posteriorLogVarianceClipped; }

    void check(int t) {
        if (t < 0 || t >= T) throw new IllegalArgumentException("timestep " + t + " outside [0, " + (T - 1) + "]");
    }

    @Override
    public String toString() {
        return "DiffusionSchedule" + config;
    }
}
