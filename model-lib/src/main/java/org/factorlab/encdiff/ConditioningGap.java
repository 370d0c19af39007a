package org.factorlab.encdiff;

import java.util.ArrayList;
import java.util.List;
import org.factorlab.diffusion.GaussianDiffusion;
import org.factorlab.diffusion.SeededNoise;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * How much a trained denoiser relies on its concept tokens, per timestep: the RMS error of its x0 estimate from
 * {@code x_t = q_sample(x, t, noise)} given the images' own tokens, the tokens of other images (the batch shifted by
 * one), and the batch's mean tokens. A denoiser that ignores the tokens has three equal columns; the gap between
 * "own" and "shifted" is what the tokens are worth at that noise level. Swaps and reconstructions from noise can
 * only show what the tokens control where this gap is large.
 */
public final class ConditioningGap {
    private ConditioningGap() {
    }

    /** RMS x0 errors at one timestep (same images, same noise in all three columns). */
    public record Row(int t, double own, double shifted, double mean) {
    }

    /**
     * @param images    {@code [B, C, H, W]} in [-1, 1], B >= 2
     * @param timesteps the timesteps to probe, each in [0, T)
     * @param seed      the noise: one draw per timestep from this seed
     */
    public static List<Row> measure(EncDiffModel model, INDArray images, int[] timesteps, long seed) {
        int b = (int) images.size(0);
        if (images.rank() != 4 || b < 2)
            throw new IllegalArgumentException("conditioning gap: images must be [B >= 2, C, H, W], got " + java.util.Arrays.toString(images.shape()));
        GaussianDiffusion d = model.diffusion();
        INDArray own = model.tokens(images.castTo(DataType.FLOAT));
        INDArray x = model.diffusionInput(images); // a latent model's x0 is the first stage's latent
        INDArray shifted = shiftByOne(own);
        INDArray mean = Nd4j.tile(own.mean(0).reshape(1, own.size(1), own.size(2)), b, 1, 1);
        SeededNoise rng = new SeededNoise(seed);
        List<Row> rows = new ArrayList<>();
        for (int t : timesteps) {
            if (t < 0 || t >= d.timesteps())
                throw new IllegalArgumentException("conditioning gap: timestep " + t + " outside [0, " + d.timesteps() + ")");
            int[] ts = GaussianDiffusion.fill(b, t);
            INDArray xt = d.qSample(x, ts, rng.gaussianLike(x));
            rows.add(new Row(t, rmsError(model, xt, ts, own, x), rmsError(model, xt, ts, shifted, x), rmsError(model, xt, ts, mean, x)));
        }
        return rows;
    }

    /** Image i gets the tokens of image i + 1 (cyclically). */
    static INDArray shiftByOne(INDArray tokens) {
        int b = (int) tokens.size(0);
        int[] rows = new int[b];
        for (int i = 0; i < b; i++) rows[i] = (i + 1) % b;
        return Nd4j.pullRows(tokens.reshape(b, -1), 1, rows).reshape(tokens.shape());
    }

    private static double rmsError(EncDiffModel model, INDArray xt, int[] t, INDArray tokens, INDArray x) {
        INDArray x0 = model.diffusion().predictX0(xt, t, model.predict(xt, t, tokens));
        return x0.sub(x).norm2Number().doubleValue() / Math.sqrt(x.length());
    }
}
