package org.factorlab.disdiff;

import org.factorlab.diffusion.DiffusionSchedule;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The per-timestep scalars DisDiff feeds its graphs, from the schedule: how G shifts eps in the PDAE reconstruction
 * loss and in sampling, and how x0 is predicted from eps.
 */
public final class DisDiffCoefficients {
    private final double[] shift;
    private final double[] ddim;
    private final double[] sqrtRecip;
    private final double[] sqrtRecipm1;

    public DisDiffCoefficients(DiffusionSchedule s) {
        double[] alphas = s.alphas(), abar = s.alphasCumprod(), abarPrev = s.alphasCumprodPrev();
        int n = abar.length;
        shift = new double[n];
        ddim = new double[n];
        for (int t = 0; t < n; t++) {
            shift[t] = -Math.sqrt(alphas[t]) * (1 - abarPrev[t]) / Math.sqrt(1 - abar[t]);
            ddim[t] = -Math.sqrt(1 - abar[t]);
        }
        sqrtRecip = s.sqrtRecipAlphasCumprod();
        sqrtRecipm1 = s.sqrtRecipm1AlphasCumprod();
    }

    /** shift_coef_t = -sqrt(alpha_t) (1 - abar_{t-1}) / sqrt(1 - abar_t), abar_{-1} = 1 (the reconstruction loss). */
    public double shift(int t) {
        return shift[t];
    }

    /** ddim_coef_t = -sqrt(1 - abar_t) (sampling and the disentangling loss). */
    public double ddim(int t) {
        return ddim[t];
    }

    public INDArray shift(int[] t, DataType type) {
        return perSample(shift, t, type);
    }

    public INDArray ddim(int[] t, DataType type) {
        return perSample(ddim, t, type);
    }

    /** sqrt(1 / abar_t), x_t's coefficient in x0 = sqrt(1/abar) x_t - sqrt(1/abar - 1) eps. */
    public INDArray sqrtRecip(int[] t, DataType type) {
        return perSample(sqrtRecip, t, type);
    }

    /** sqrt(1 / abar_t - 1), eps's coefficient in x0. */
    public INDArray sqrtRecipm1(int[] t, DataType type) {
        return perSample(sqrtRecipm1, t, type);
    }

    /** {@code table[t_b]} shaped {@code [B, 1, 1, 1]}. */
    private static INDArray perSample(double[] table, int[] t, DataType type) {
        double[] v = new double[t.length];
        for (int i = 0; i < t.length; i++) v[i] = table[t[i]];
        return Nd4j.create(v, new long[]{t.length, 1, 1, 1}, DataType.DOUBLE).castTo(type);
    }
}
