package org.factorlab.nn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * GroupNorm forward and backward as one pass per group over {@code x [B, C, ...]} (float32 or float64, c-ordered). libnd4j M2.1
 * has no group-norm op; written out as SameDiff ops it costs about 20 native calls per layer and step (means, centring,
 * rsqrt, the affine and every one of their backprops), most of the EncDiff step's non-convolution time. Each group
 * {@code (b, g)} is a contiguous run of {@code C/G * spatial} floats: it is copied into a small array that stays in
 * cache as doubles, its statistics are summed there, and the result is written back once.
 *
 * <p>Definitions (PyTorch's {@code GroupNorm}): per group, {@code mu = mean(x)}, {@code var = mean((x - mu)^2)}
 * (biased), {@code xhat = (x - mu) / sqrt(var + eps)}, {@code y = xhat * gamma[c] + beta[c]}. Backward with
 * {@code g = dy * gamma[c]} and n the group's size: {@code dx = rstd * (g - mean(g) - xhat * mean(g * xhat))},
 * {@code dgamma[c] = sum(dy * xhat)}, {@code dbeta[c] = sum(dy)} over batch and space.
 *
 * <p>Samples are split over the native thread count ({@code Nd4j}'s master threads, which Spark tasks set to their
 * share of the cores); per-thread partial sums of dgamma and dbeta are added in a fixed order, so a run is
 * deterministic for a given thread count.
 */
final class GroupNormKernel {
    private GroupNormKernel() {
    }

    /** {@code y = GroupNorm(x) * gamma + beta}; {@code gamma}, {@code beta} of length C. */
    static void forward(INDArray x, INDArray gamma, INDArray beta, int groups, double eps, INDArray y) {
        Layout l = Layout.of(x, groups);
        double[] ga = perChannel(gamma, l.channels), be = perChannel(beta, l.channels);
        parallel(l.batch, (from, to) -> {
            Values xs = Values.of(x, l.groupSize), ys = Values.of(y, l.groupSize);
            double[] v = new double[l.groupSize];
            for (int b = from; b < to; b++)
                for (int g = 0; g < groups; g++) {
                    int base = (b * groups + g) * l.groupSize;
                    xs.get(base, v);
                    double mean = mean(v);
                    double rstd = 1.0 / Math.sqrt(centredSquares(v, mean) / l.groupSize + eps);
                    for (int c = 0; c < l.perGroup; c++) {
                        int ch = g * l.perGroup + c, o = c * l.spatial;
                        double a = rstd * ga[ch], s = be[ch] - mean * a;
                        for (int i = o; i < o + l.spatial; i++) v[i] = v[i] * a + s;
                    }
                    ys.put(base, v);
                }
            return null;
        });
    }

    /** dx, dgamma and dbeta of {@link #forward} given dy. */
    static void backward(INDArray x, INDArray gamma, INDArray dy, int groups, double eps, INDArray dx, INDArray dgamma, INDArray dbeta) {
        Layout l = Layout.of(x, groups);
        double[] ga = perChannel(gamma, l.channels);
        double[][] partial = parallel(l.batch, (from, to) -> {
            Values xs = Values.of(x, l.groupSize), ds = Values.of(dy, l.groupSize), os = Values.of(dx, l.groupSize);
            double[] v = new double[l.groupSize], d = new double[l.groupSize];
            double[] sums = new double[2 * l.channels];   // dgamma then dbeta over this range's samples
            for (int b = from; b < to; b++)
                for (int g = 0; g < groups; g++) {
                    int base = (b * groups + g) * l.groupSize;
                    xs.get(base, v);
                    ds.get(base, d);
                    double mean = mean(v);
                    double rstd = 1.0 / Math.sqrt(centredSquares(v, mean) / l.groupSize + eps);
                    double gSum = 0, gxSum = 0;   // sums of g = dy gamma and of g xhat over the group
                    for (int c = 0; c < l.perGroup; c++) {
                        int ch = g * l.perGroup + c, o = c * l.spatial;
                        double dySum = 0, dyxSum = 0;
                        for (int i = o; i < o + l.spatial; i++) {
                            dySum += d[i];
                            dyxSum += d[i] * (v[i] - mean);
                        }
                        dyxSum *= rstd;
                        sums[ch] += dyxSum;
                        sums[l.channels + ch] += dySum;
                        gSum += ga[ch] * dySum;
                        gxSum += ga[ch] * dyxSum;
                    }
                    // dx = rstd (gamma dy - gSum/n - xhat gxSum/n) with xhat = (x - mean) rstd: dy a + x p + q per channel
                    double k1 = gSum / l.groupSize, k2 = gxSum / l.groupSize * rstd;
                    for (int c = 0; c < l.perGroup; c++) {
                        int ch = g * l.perGroup + c, o = c * l.spatial;
                        double a = rstd * ga[ch], p = -rstd * k2, q = rstd * (mean * k2 - k1);
                        for (int i = o; i < o + l.spatial; i++) d[i] = d[i] * a + v[i] * p + q;
                    }
                    os.put(base, d);
                }
            return sums;
        });
        double[] total = new double[2 * l.channels];
        for (double[] s : partial) for (int i = 0; i < total.length; i++) total[i] += s[i];
        Values.of(dgamma, l.channels).put(0, java.util.Arrays.copyOfRange(total, 0, l.channels));
        Values.of(dbeta, l.channels).put(0, java.util.Arrays.copyOfRange(total, l.channels, 2 * l.channels));
    }

    private static double mean(double[] v) {
        int n = v.length;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            s0 += v[i];
            s1 += v[i + 1];
            s2 += v[i + 2];
            s3 += v[i + 3];
        }
        for (; i < n; i++) s0 += v[i];
        return (s0 + s1 + s2 + s3) / n;
    }

    private static double centredSquares(double[] v, double mean) {
        int n = v.length;
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < n; i += 4) {
            double a = v[i] - mean, b = v[i + 1] - mean, c = v[i + 2] - mean, d = v[i + 3] - mean;
            s0 += a * a;
            s1 += b * b;
            s2 += c * c;
            s3 += d * d;
        }
        for (; i < n; i++) {
            double a = v[i] - mean;
            s0 += a * a;
        }
        return s0 + s1 + s2 + s3;
    }

    /** Shape facts of a GroupNorm input, checked. */
    private record Layout(int batch, int channels, int perGroup, int spatial, int groupSize) {
        static Layout of(INDArray x, int groups) {
            if (x.rank() < 2) throw new IllegalArgumentException("GroupNorm: expected an array [B, C, ...], got " + java.util.Arrays.toString(x.shape()));
            int channels = (int) x.size(1);
            if (channels % groups != 0)
                throw new IllegalArgumentException("GroupNorm: " + channels + " channels not divisible by " + groups + " groups");
            int spatial = (int) (x.length() / x.size(0) / channels);
            return new Layout((int) x.size(0), channels, channels / groups, spatial, channels / groups * spatial);
        }
    }

    /** c-order strides on every dimension longer than 1 (a size-1 dimension's stride is never used). */
    private static boolean rowMajorContiguous(INDArray a) {
        long expected = 1;
        for (int d = a.rank() - 1; d >= 0; d--) {
            if (a.size(d) > 1 && a.stride(d) != expected) return false;
            expected *= a.size(d);
        }
        return true;
    }

    private static double[] perChannel(INDArray a, int channels) {
        if (a.length() != channels) throw new IllegalArgumentException("GroupNorm: expected " + channels + " per-channel values, got " + a.length());
        double[] v = new double[channels];
        Values.of(a, channels).get(0, v);
        return v;
    }

    /**
     * Runs of a c-ordered contiguous float32 or float64 array's values, read and written as doubles through a buffer
     * over its memory. Not thread safe (one per thread): the float path converts through its own scratch array.
     */
    private abstract static class Values {
        abstract void get(int from, double[] dst);

        abstract void put(int from, double[] src);

        static Values of(INDArray a, int run) {
            if (!rowMajorContiguous(a))
                throw new IllegalArgumentException("GroupNorm: arrays must be c-ordered and contiguous, got " + a.ordering() + " "
                        + java.util.Arrays.toString(a.shape()) + " strides " + java.util.Arrays.toString(a.stride()));
            ByteBuffer bytes = a.data().asNio().order(ByteOrder.nativeOrder());
            int offset = (int) a.offset();
            return switch (a.dataType()) {
                case FLOAT -> new Values() {
                    final FloatBuffer f = bytes.asFloatBuffer();
                    final float[] scratch = new float[run];

                    @Override
                    void get(int from, double[] dst) {
                        f.get(offset + from, scratch, 0, dst.length);
                        for (int i = 0; i < dst.length; i++) dst[i] = scratch[i];
                    }

                    @Override
                    void put(int from, double[] src) {
                        for (int i = 0; i < src.length; i++) scratch[i] = (float) src[i];
                        f.put(offset + from, scratch, 0, src.length);
                    }
                };
                case DOUBLE -> new Values() {
                    final DoubleBuffer d = bytes.asDoubleBuffer();

                    @Override
                    void get(int from, double[] dst) {
                        d.get(offset + from, dst, 0, dst.length);
                    }

                    @Override
                    void put(int from, double[] src) {
                        d.put(offset + from, src, 0, src.length);
                    }
                };
                default -> throw new IllegalArgumentException("GroupNorm: expected float32 or float64 values, got " + a.dataType());
            };
        }
    }

    private interface Range<T> {
        T run(int from, int to);
    }

    /** Splits [0, n) into one contiguous range per native thread; the caller runs the first. Results in range order. */
    private static double[][] parallel(int n, Range<double[]> body) {
        int parts = Math.max(1, Math.min(n, Nd4j.getEnvironment().maxMasterThreads()));
        double[][] out = new double[parts][];
        @SuppressWarnings("unchecked")
        CompletableFuture<double[]>[] rest = new CompletableFuture[parts - 1];
        for (int p = 1; p < parts; p++) {
            int from = n * p / parts, to = n * (p + 1) / parts;
            rest[p - 1] = CompletableFuture.supplyAsync(() -> body.run(from, to), ForkJoinPool.commonPool());
        }
        out[0] = body.run(0, n / parts);
        for (int p = 1; p < parts; p++) out[p] = rest[p - 1].join();
        return out;
    }
}
