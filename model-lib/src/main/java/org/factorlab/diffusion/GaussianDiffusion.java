package org.factorlab.diffusion;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The forward process and the per-step arithmetic of a Gaussian diffusion (improved-diffusion's
 * gaussian_diffusion / LDM's DDPM, without a network): q(x_t | x0), training targets, conversions from a model
 * output to x0 and eps, the posterior q(x_{t-1} | x_t, x0) and the ancestral DDPM step. Arrays are
 * {@code [B, C, H, W]} (any rank >= 1 with batch first) with one 0-based timestep per sample; results have the
 * input's data type. Stateless apart from its constants, so one instance may be shared.
 */
public final class GaussianDiffusion {
    private final DiffusionConfig config;
    private final DiffusionSchedule schedule;

    public GaussianDiffusion(DiffusionConfig config) {
        this.config = config;
        this.schedule = new DiffusionSchedule(config.schedule());
    }

    public DiffusionConfig config() {
        return config;
    }

    public DiffusionSchedule schedule() {
        return schedule;
    }

    public Parameterization parameterization() {
        return config.parameterization();
    }

    public LossType lossType() {
        return config.loss();
    }

    public int timesteps() {
        return schedule.timesteps();
    }

    /** q(x_t | x0) sample: sqrt(abar_t) x0 + sqrt(1 - abar_t) noise. */
    public INDArray qSample(INDArray x0, int[] t, INDArray noise) {
        sameShape(x0, noise, "x0", "noise");
        return c(schedule.rawSqrtAlphasCumprod(), t, x0).mul(x0)
                .addi(c(schedule.rawSqrtOneMinusAlphasCumprod(), t, x0).mul(noise));
    }

    /** The training target of this diffusion's parameterization for (x0, noise, t). */
    public INDArray target(INDArray x0, INDArray noise, int[] t) {
        return target(config.parameterization(), x0, noise, t);
    }

    public INDArray target(Parameterization p, INDArray x0, INDArray noise, int[] t) {
        sameShape(x0, noise, "x0", "noise");
        return switch (p) {
            case EPS -> noise.dup();
            case X0 -> x0.dup();
            case V -> velocity(x0, noise, t);
        };
    }

    /** v = sqrt(abar_t) eps - sqrt(1 - abar_t) x0 (LDM's get_v). */
    public INDArray velocity(INDArray x0, INDArray noise, int[] t) {
        return c(schedule.rawSqrtAlphasCumprod(), t, x0).mul(noise)
                .subi(c(schedule.rawSqrtOneMinusAlphasCumprod(), t, x0).mul(x0));
    }

    /** Predicted x0 from a model output of this diffusion's parameterization. */
    public INDArray predictX0(INDArray xt, int[] t, INDArray modelOutput) {
        return predictX0(config.parameterization(), xt, t, modelOutput);
    }

    public INDArray predictX0(Parameterization p, INDArray xt, int[] t, INDArray out) {
        sameShape(xt, out, "x_t", "model output");
        return switch (p) {
            // sqrt(1/abar) x_t - sqrt(1/abar - 1) eps (LDM's predict_start_from_noise)
            case EPS -> c(schedule.rawSqrtRecipAlphasCumprod(), t, xt).mul(xt)
                    .subi(c(schedule.rawSqrtRecipm1AlphasCumprod(), t, xt).mul(out));
            case X0 -> out.dup();
            // sqrt(abar) x_t - sqrt(1 - abar) v (LDM's predict_start_from_z_and_v)
            case V -> c(schedule.rawSqrtAlphasCumprod(), t, xt).mul(xt)
                    .subi(c(schedule.rawSqrtOneMinusAlphasCumprod(), t, xt).mul(out));
        };
    }

    /** Predicted eps from a model output of this diffusion's parameterization. */
    public INDArray predictEps(INDArray xt, int[] t, INDArray modelOutput) {
        return predictEps(config.parameterization(), xt, t, modelOutput);
    }

    public INDArray predictEps(Parameterization p, INDArray xt, int[] t, INDArray out) {
        sameShape(xt, out, "x_t", "model output");
        return switch (p) {
            case EPS -> out.dup();
            case X0 -> epsFromX0(xt, t, out);
            // sqrt(abar) v + sqrt(1 - abar) x_t (LDM's predict_eps_from_z_and_v)
            case V -> c(schedule.rawSqrtAlphasCumprod(), t, xt).mul(out)
                    .addi(c(schedule.rawSqrtOneMinusAlphasCumprod(), t, xt).mul(xt));
        };
    }

    /** eps = (sqrt(1/abar) x_t - x0) / sqrt(1/abar - 1) (improved-diffusion's _predict_eps_from_xstart). */
    public INDArray epsFromX0(INDArray xt, int[] t, INDArray x0) {
        sameShape(xt, x0, "x_t", "x0");
        return c(schedule.rawSqrtRecipAlphasCumprod(), t, xt).mul(xt).subi(x0)
                .divi(c(schedule.rawSqrtRecipm1AlphasCumprod(), t, xt));
    }

    /** Everything one training step needs for a clean batch: timesteps, noise, x_t and the target. */
    public NoisedBatch noised(INDArray x0, SeededNoise rng) {
        int[] t = rng.uniformTimesteps((int) x0.size(0), timesteps());
        INDArray noise = rng.gaussianLike(x0);
        return noised(x0, t, noise);
    }

    public NoisedBatch noised(INDArray x0, int[] t, INDArray noise) {
        return new NoisedBatch(t, noise, qSample(x0, t, noise), target(x0, noise, t));
    }

    /** The simple loss per sample, {@code [B]}, of this diffusion's loss type. */
    public INDArray lossPerSample(INDArray modelOutput, INDArray target) {
        return config.loss().perSample(modelOutput, target);
    }

    /** The posterior q(x_{t-1} | x_t, x0): mean, variance and clipped log-variance (shaped [B, 1, 1, 1]). */
    public Posterior posterior(INDArray x0, INDArray xt, int[] t) {
        sameShape(x0, xt, "x0", "x_t");
        INDArray mean = c(schedule.rawPosteriorMeanCoef1(), t, xt).mul(x0)
                .addi(c(schedule.rawPosteriorMeanCoef2(), t, xt).mul(xt));
        return new Posterior(mean, c(schedule.rawPosteriorVariance(), t, xt),
                c(schedule.rawPosteriorLogVarianceClipped(), t, xt));
    }

    /**
     * One ancestral DDPM step (LDM's p_sample with fixed-small variance): x0 from the model output, optionally
     * clipped to [-clip, clip], then x_{t-1} = posterior mean + (t > 0) exp(0.5 log beta~_t) noise.
     *
     * @param clipX0 clip range for the predicted x0, or {@code Double.POSITIVE_INFINITY} for none
     */
    public Step pStep(INDArray xt, int[] t, INDArray modelOutput, INDArray noise, double clipX0) {
        sameShape(xt, noise, "x_t", "noise");
        INDArray x0 = clip(predictX0(xt, t, modelOutput), clipX0);
        Posterior post = posterior(x0, xt, t);
        double[] std = new double[t.length];
        for (int b = 0; b < t.length; b++)
            std[b] = t[b] == 0 ? 0 : Math.exp(0.5 * schedule.rawPosteriorLogVarianceClipped()[t[b]]);
        INDArray s = perSample(std, xt);
        return new Step(post.mean().addi(s.mul(noise)), x0);
    }

    /** Per-sample timesteps as a float vector {@code [B]}, for a network's timestep-embedding placeholder. */
    public static INDArray timestepArray(int[] t, DataType type) {
        double[] v = new double[t.length];
        for (int i = 0; i < t.length; i++) v[i] = t[i];
        return Nd4j.create(v, new long[]{t.length}, DataType.DOUBLE).castTo(type);
    }

    /** The same timestep for every sample. */
    public static int[] fill(int batch, int t) {
        int[] a = new int[batch];
        Arrays.fill(a, t);
        return a;
    }

    static INDArray clip(INDArray x, double limit) {
        if (Double.isInfinite(limit)) return x;
        if (!(limit > 0)) throw new IllegalArgumentException("clip range must be > 0, got " + limit);
        return org.nd4j.linalg.ops.transforms.Transforms.min(
                org.nd4j.linalg.ops.transforms.Transforms.max(x, -limit, false), limit, false);
    }

    private INDArray c(double[] table, int[] t, INDArray like) {
        return schedule.coef(table, t, like);
    }

    /** Per-sample values shaped {@code [B, 1, ..., 1]} to broadcast against {@code like}. */
    static INDArray perSample(double[] v, INDArray like) {
        long[] shape = new long[like.rank()];
        Arrays.fill(shape, 1);
        shape[0] = v.length;
        return Nd4j.create(v, shape, DataType.DOUBLE).castTo(like.dataType());
    }

    static void sameShape(INDArray a, INDArray b, String na, String nb) {
        if (!Arrays.equals(a.shape(), b.shape()))
            throw new IllegalArgumentException(na + " " + Arrays.toString(a.shape()) + " and " + nb + " "
                    + Arrays.toString(b.shape()) + " differ in shape");
    }

    /** q(x_{t-1} | x_t, x0). Variance and log-variance are per sample, shaped to broadcast. */
    public record Posterior(INDArray mean, INDArray variance, INDArray logVariance) {
    }

    /** One reverse step's result: the next (less noisy) state and the x0 predicted on the way. */
    public record Step(INDArray next, INDArray predictedX0) {
    }
}
