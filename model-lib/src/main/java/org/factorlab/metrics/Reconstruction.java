package org.factorlab.metrics;

import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Reconstruction quality as the papers' table reports it: SSIM and MSE of reconstructions against their originals.
 *
 * <p>SSIM is scikit-image's {@code structural_similarity(a, b, channel_axis=0, gaussian_weights=True, sigma=1.5,
 * use_sample_covariance=False, data_range=R)} (Wang et al. 2004): local statistics under a Gaussian window of
 * sigma 1.5 truncated at 3.5 sigma (11 taps, scipy's {@code gaussian_filter} with mode "reflect", i.e. mirrored
 * with the edge sample repeated), population (co)variances, {@code K1 = 0.01}, {@code K2 = 0.03}, the SSIM map
 * averaged after cropping 5 pixels at every edge, then over channels. MSE is the mean squared difference.
 * {@link #of} takes model images in [-1, 1], maps them to [0, 1] and uses {@code data_range = 1}; SSIM and MSE are
 * averaged over the images.
 */
public final class Reconstruction {
    public static final double SIGMA = 1.5;
    public static final double TRUNCATE = 3.5;
    public static final double K1 = 0.01;
    public static final double K2 = 0.03;
    /** Filter radius, as scipy derives it: {@code int(truncate * sigma + 0.5)} = 5, so the window is 11 x 11. */
    public static final int RADIUS = (int) (TRUNCATE * SIGMA + 0.5);
    public static final int WINDOW = 2 * RADIUS + 1;

    private Reconstruction() {
    }

    /** Mean SSIM and MSE over a batch; {@code images} the number of image pairs. */
    public record Result(double ssim, double mse, int images) {
    }

    /** Originals and reconstructions {@code [B, C, H, W]} in [-1, 1], compared in [0, 1] with data range 1. */
    public static Result of(INDArray originals, INDArray reconstructions) {
        if (originals.rank() != 4 || !java.util.Arrays.equals(originals.shape(), reconstructions.shape()))
            throw new IllegalArgumentException("reconstruction metrics: originals " + java.util.Arrays.toString(originals.shape())
                    + " and reconstructions " + java.util.Arrays.toString(reconstructions.shape()) + " must both be [B, C, H, W]");
        int b = (int) originals.size(0), c = (int) originals.size(1), h = (int) originals.size(2), w = (int) originals.size(3);
        double[] a = originals.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        double[] r = reconstructions.castTo(DataType.DOUBLE).dup('c').data().asDouble();
        for (int i = 0; i < a.length; i++) {
            a[i] = (a[i] + 1) / 2;
            r[i] = (r[i] + 1) / 2;
        }
        double ssim = 0, mse = 0;
        int per = c * h * w;
        for (int i = 0; i < b; i++) {
            double[] ai = java.util.Arrays.copyOfRange(a, i * per, (i + 1) * per);
            double[] ri = java.util.Arrays.copyOfRange(r, i * per, (i + 1) * per);
            ssim += ssim(ai, ri, c, h, w, 1.0);
            mse += mse(ai, ri);
        }
        return new Result(ssim / b, mse / b, b);
    }

    /** Mean squared difference of two equally long arrays. */
    public static double mse(double[] a, double[] b) {
        if (a.length != b.length || a.length == 0) throw new IllegalArgumentException("mse: arrays of " + a.length + " and " + b.length + " values");
        double s = 0;
        for (int i = 0; i < a.length; i++) s += (a[i] - b[i]) * (a[i] - b[i]);
        return s / a.length;
    }

    /** SSIM of one image pair, channel-major {@code [C, H, W]} flattened, averaged over channels. */
    public static double ssim(double[] a, double[] b, int channels, int height, int width, double dataRange) {
        if (a.length != (long) channels * height * width || b.length != a.length)
            throw new IllegalArgumentException("ssim: " + a.length + " and " + b.length + " values for [" + channels + ", " + height + ", " + width + "]");
        if (height < WINDOW || width < WINDOW)
            throw new IllegalArgumentException("ssim: images of " + height + "x" + width + " are smaller than the " + WINDOW + "x" + WINDOW + " window");
        if (!(dataRange > 0)) throw new IllegalArgumentException("ssim: data range must be > 0, got " + dataRange);
        double c1 = (K1 * dataRange) * (K1 * dataRange), c2 = (K2 * dataRange) * (K2 * dataRange);
        double[] k = kernel();
        int n = height * width;
        double total = 0;
        for (int ch = 0; ch < channels; ch++) {
            double[] x = java.util.Arrays.copyOfRange(a, ch * n, (ch + 1) * n);
            double[] y = java.util.Arrays.copyOfRange(b, ch * n, (ch + 1) * n);
            double[] xx = new double[n], yy = new double[n], xy = new double[n];
            for (int i = 0; i < n; i++) {
                xx[i] = x[i] * x[i];
                yy[i] = y[i] * y[i];
                xy[i] = x[i] * y[i];
            }
            double[] ux = blur(x, height, width, k), uy = blur(y, height, width, k);
            double[] uxx = blur(xx, height, width, k), uyy = blur(yy, height, width, k), uxy = blur(xy, height, width, k);
            double sum = 0;
            int count = 0;
            for (int r = RADIUS; r < height - RADIUS; r++)
                for (int c = RADIUS; c < width - RADIUS; c++) {
                    int i = r * width + c;
                    double vx = uxx[i] - ux[i] * ux[i], vy = uyy[i] - uy[i] * uy[i], vxy = uxy[i] - ux[i] * uy[i];
                    sum += (2 * ux[i] * uy[i] + c1) * (2 * vxy + c2) / ((ux[i] * ux[i] + uy[i] * uy[i] + c1) * (vx + vy + c2));
                    count++;
                }
            total += sum / count;
        }
        return total / channels;
    }

    /** scipy's gaussian_filter1d weights: exp(-x^2 / (2 sigma^2)) for x in [-radius, radius], normalised. */
    static double[] kernel() {
        double[] k = new double[WINDOW];
        double s = 0;
        for (int i = 0; i < WINDOW; i++) {
            double x = i - RADIUS;
            k[i] = Math.exp(-0.5 * x * x / (SIGMA * SIGMA));
            s += k[i];
        }
        for (int i = 0; i < WINDOW; i++) k[i] /= s;
        return k;
    }

    /** Separable blur, rows then columns, with scipy's "reflect" boundary ({@code d c b a | a b c d | d c b a}). */
    private static double[] blur(double[] img, int h, int w, double[] k) {
        double[] tmp = new double[img.length], out = new double[img.length];
        for (int r = 0; r < h; r++)
            for (int c = 0; c < w; c++) {
                double s = 0;
                for (int j = -RADIUS; j <= RADIUS; j++) s += k[j + RADIUS] * img[r * w + reflect(c + j, w)];
                tmp[r * w + c] = s;
            }
        for (int r = 0; r < h; r++)
            for (int c = 0; c < w; c++) {
                double s = 0;
                for (int j = -RADIUS; j <= RADIUS; j++) s += k[j + RADIUS] * tmp[reflect(r + j, h) * w + c];
                out[r * w + c] = s;
            }
        return out;
    }

    static int reflect(int i, int n) {
        int period = 2 * n;
        int m = ((i % period) + period) % period;
        return m < n ? m : period - 1 - m;
    }
}
