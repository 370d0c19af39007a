package org.factorlab.nn;

import org.factorlab.nn.NativeValues.Floats;
import org.factorlab.nn.NativeValues.Values;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * GroupNorm forward and backward as one pass per group over {@code x [B, C, ...]} (float32 or float64, c-ordered),
 * optionally with a per-sample scale and shift after the affine (the diffusion ResBlock's {@code use_scale_shift_norm}).
 * libnd4j M2.1 has no group-norm op; written out as SameDiff ops it costs about 20 native calls per layer and step
 * (means, centring, rsqrt, the affine, the scale-shift and every one of their backprops), most of the EncDiff step's
 * non-convolution time. Each group {@code (b, g)} is a contiguous run of {@code C/G * spatial} values: it is copied
 * into a small array of doubles that stays in cache, its statistics are summed there, and the result is written back
 * once.
 *
 * <p>Definitions (PyTorch's {@code GroupNorm}): per group, {@code mu = mean(x)}, {@code var = mean((x - mu)^2)}
 * (biased), {@code xhat = (x - mu) / sqrt(var + eps)}, {@code n = xhat * gamma[c] + beta[c]}, and {@code y = n} or
 * {@code y = n * (1 + scale[b, c]) + shift[b, c]}. Backward with {@code dn = dy (1 + scale)}, {@code g = dn *
 * gamma[c]} and N the group's size: {@code dx = rstd * (g - mean(g) - xhat * mean(g * xhat))}, {@code dgamma[c] =
 * sum(dn * xhat)}, {@code dbeta[c] = sum(dn)} over batch and space, {@code dscale[b, c] = sum(dy * n)}, {@code
 * dshift[b, c] = sum(dy)} over space.
 *
 * <p>Samples are split into chunks that the caller and the native threads' worth of helpers claim in turn
 * ({@code Nd4j}'s master threads, which Spark tasks set to their share of the cores); the chunks' partial sums of
 * dgamma and dbeta are added in chunk order, so results do not depend on the thread count.
 */
final class GroupNormKernel {
    private GroupNormKernel() {
    }

    /**
     * {@code y = GroupNorm(x) * gamma + beta}, then with {@code scale} and {@code shift} (both [B, C], or both null)
     * {@code y = y * (1 + scale) + shift}; {@code gamma}, {@code beta} of length C.
     */
    static void forward(INDArray x, INDArray gamma, INDArray beta, INDArray scale, INDArray shift, int groups, double eps, INDArray y) {
        forward(x, gamma, beta, scale, shift, groups, eps, y, false);
    }

    /**
     * With {@code silu}, SiLU follows in the same pass: y holds {@code n sigmoid(n)} of the normalised {@code n} above,
     * so n itself never goes to memory (the backward computes it again from x).
     */
    static void forward(INDArray x, INDArray gamma, INDArray beta, INDArray scale, INDArray shift, int groups, double eps, INDArray y,
                        boolean silu) {
        Layout l = Layout.of(x, groups);
        double[] ga = perChannel(gamma, l.channels), be = perChannel(beta, l.channels);
        double[] sc = perSample(scale, l), sh = perSample(shift, l);
        Values xv = Values.of(x), yv = Values.of(y);
        boolean floats = xv instanceof Floats && yv instanceof Floats;
        NativeValues.parallel(l.batch, (from, to) -> {
            GroupLoops v = GroupLoops.create(l.groupSize, floats);
            Values xs = xv.perThread(), ys = yv.perThread();
            double[] m = new double[2];
            for (int b = from; b < to; b++)
                for (int g = 0; g < groups; g++) {
                    int base = (b * groups + g) * l.groupSize;
                    v.read(xs, base, Slot.X);
                    double mean = v.moments(m);
                    double rstd = 1.0 / Math.sqrt(m[1] + eps);
                    normalise(v, l, b, g, mean, rstd, ga, be, sc, sh, Slot.X);
                    if (silu) v.silu(Slot.X);
                    v.write(ys, base, Slot.X);
                }
            return null;
        });
    }

    /**
     * The normalised group, {@code (x - mean) rstd gamma + beta}, then scaled and shifted where {@code sc} is not null,
     * into {@code to}: X in place (the forward), or Y from X (the backward's SiLU, which leaves x for its sums).
     */
    private static void normalise(GroupLoops v, Layout l, int b, int g, double mean, double rstd, double[] ga, double[] be, double[] sc,
                                  double[] sh, Slot to) {
        for (int c = 0; c < l.perGroup; c++) {
            int ch = g * l.perGroup + c, o = c * l.spatial;
            double a = rstd * ga[ch], s = be[ch] - mean * a;
            if (sc != null) {
                double k = 1 + sc[b * l.channels + ch];
                a *= k;
                s = s * k + sh[b * l.channels + ch];
            }
            v.affine(o, o + l.spatial, a, s, to);
        }
    }

    /**
     * dx, dgamma and dbeta of {@link #forward} given dy; with {@code scale} (then {@code beta}, {@code dscale} and
     * {@code dshift} too), also the scale's and shift's gradients, [B, C].
     */
    static void backward(INDArray x, INDArray gamma, INDArray beta, INDArray scale, INDArray dy, int groups, double eps,
                         INDArray dx, INDArray dgamma, INDArray dbeta, INDArray dscale, INDArray dshift) {
        backward(x, gamma, beta, scale, null, dy, false, groups, eps, dx, dgamma, dbeta, dscale, dshift);
    }

    /**
     * The backward of the forward with SiLU where {@code silu}: {@code dy} is then the gradient of SiLU's output, and
     * the SiLU's input is computed again from x (with {@code shift} too where there is a scale): no slower than reading
     * back a sigmoid and output kept from the forward, and nothing activation-sized is kept between the passes.
     */
    static void backward(INDArray x, INDArray gamma, INDArray beta, INDArray scale, INDArray shift, INDArray dy, boolean silu, int groups,
                         double eps, INDArray dx, INDArray dgamma, INDArray dbeta, INDArray dscale, INDArray dshift) {
        if (silu && scale != null && shift == null) throw new IllegalArgumentException("GroupNorm-SiLU backward: a scale needs its shift");
        Layout l = Layout.of(x, groups);
        double[] ga = perChannel(gamma, l.channels);
        double[] be = scale == null && !silu ? null : perChannel(beta, l.channels), sc = perSample(scale, l);
        double[] sh = silu ? perSample(shift, l) : null;
        double[] dsc = sc == null ? null : new double[sc.length], dsh = sc == null ? null : new double[sc.length];
        Values xv = Values.of(x), dv = Values.of(dy), ov = Values.of(dx);
        boolean floats = xv instanceof Floats && dv instanceof Floats && ov instanceof Floats;
        double[][] partial = NativeValues.parallel(l.batch, (from, to) -> {
            GroupLoops v = GroupLoops.create(l.groupSize, floats);
            Values xs = xv.perThread(), ds = dv.perThread(), os = ov.perThread();
            double[] m = new double[2];
            double[] sums = new double[2 * l.channels];   // dgamma then dbeta over this chunk's samples
            double[] k = new double[l.perGroup];          // 1 + scale per channel of the group
            for (int b = from; b < to; b++)
                for (int g = 0; g < groups; g++) {
                    int base = (b * groups + g) * l.groupSize;
                    v.read(xs, base, Slot.X);
                    v.read(ds, base, Slot.DY);
                    double mean = v.moments(m);
                    double rstd = 1.0 / Math.sqrt(m[1] + eps);
                    if (silu) {
                        // the forward's SiLU input u again, then dy of u from dy of u sigmoid(u)
                        normalise(v, l, b, g, mean, rstd, ga, be, sc, sh, Slot.Y);
                        v.silu(Slot.Y);
                        v.siluBackward();
                    }
                    double gSum = 0, gxSum = 0;   // sums of g = dn gamma and of g xhat over the group (dn: dy through the scale)
                    for (int c = 0; c < l.perGroup; c++) {
                        int ch = g * l.perGroup + c, o = c * l.spatial;
                        v.sumAndDot(o, o + l.spatial, mean, m);
                        double dySum = m[0], dyxSum = m[1] * rstd;
                        k[c] = 1;
                        if (sc != null) {
                            // y = n (1 + scale) + shift with n = xhat gamma + beta
                            int bc = b * l.channels + ch;
                            dsh[bc] = dySum;
                            dsc[bc] = ga[ch] * dyxSum + be[ch] * dySum;
                            k[c] = 1 + sc[bc];
                            dySum *= k[c];
                            dyxSum *= k[c];
                        }
                        sums[ch] += dyxSum;
                        sums[l.channels + ch] += dySum;
                        gSum += ga[ch] * dySum;
                        gxSum += ga[ch] * dyxSum;
                    }
                    // dx = rstd (gamma dn - gSum/n - xhat gxSum/n) with xhat = (x - mean) rstd: dy a + x p + q per channel
                    double k1 = gSum / l.groupSize, k2 = gxSum / l.groupSize * rstd;
                    for (int c = 0; c < l.perGroup; c++) {
                        int ch = g * l.perGroup + c, o = c * l.spatial;
                        v.combine(o, o + l.spatial, rstd * ga[ch] * k[c], -rstd * k2, rstd * (mean * k2 - k1));
                    }
                    v.write(os, base, Slot.DY);
                }
            return sums;
        });
        double[] total = new double[2 * l.channels];
        for (double[] s : partial) for (int i = 0; i < total.length; i++) total[i] += s[i];
        Values.of(dgamma).put(0, java.util.Arrays.copyOfRange(total, 0, l.channels));
        Values.of(dbeta).put(0, java.util.Arrays.copyOfRange(total, l.channels, 2 * l.channels));
        if (sc != null) {
            Values.of(dscale).put(0, dsc);
            Values.of(dshift).put(0, dsh);
        }
    }

    /**
     * The loops over one (sample, group) of x (and of dy, for the backward) held in a thread's scratch: {@link
     * ScalarLoops} in doubles, or, for float32 arrays where {@link SimdKernels} are available, {@link SimdGroupLoops}
     * in float SIMD lanes.
     */
    /** Per thread: loops by group size (negative: the scalar loops). */
    private static final ThreadLocal<java.util.Map<Integer, GroupLoops>> PER_THREAD = ThreadLocal.withInitial(java.util.HashMap::new);

    /** The scratch arrays of a group: x (y after the forward), dy (dx after the backward), SiLU's sigmoid and its
     * input and output in the backward. */
    enum Slot { X, DY, SIGMOID, Y }

    interface GroupLoops {
        /** Copies the group's values at {@code base} into the slot's scratch. */
        void read(Values src, int base, Slot slot);

        /** Writes the slot's scratch back at {@code base}. */
        void write(Values dst, int base, Slot slot);

        /** Mean and biased variance of x ({@code m = {mean, variance}}); returns the mean. */
        double moments(double[] m);

        /** {@code to = x a + s} over [from, to) (X in place, or into Y), after {@link #moments}. */
        void affine(int from, int to, double a, double s, Slot target);

        /** {@code m = {sum dy, sum dy (x - mean)}} over [from, to). */
        void sumAndDot(int from, int to, double mean, double[] m);

        /** {@code dy = dy a + x p + q} over [from, to). */
        void combine(int from, int to, double a, double p, double q);

        /** {@code SIGMOID = sigmoid(v)}, then {@code v = v sigmoid(v)}, over the group, v the slot's values (X or Y). */
        void silu(Slot slot);

        /** {@code dy = dy (s + y (1 - s))} over the group, s and y from the SIGMOID and Y slots. */
        void siluBackward();

        /**
         * This thread's loops for groups of this size, made once per thread and size (a step calls the kernel about
         * a hundred times; fresh scratch per call and chunk was about 50 MB of garbage per step). No state carries
         * from one group to the next.
         */
        static GroupLoops create(int groupSize, boolean floats) {
            SimdKernels simd = floats ? SimdKernels.get() : null;
            return PER_THREAD.get().computeIfAbsent(simd == null ? -groupSize : groupSize,
                    k -> simd == null ? new ScalarLoops(groupSize) : simd.groupLoops(groupSize));
        }
    }

    /** The loops in doubles, four independent sums each (a floating-point add waits for the previous one). */
    static final class ScalarLoops implements GroupLoops {
        private final double[] v, d;
        private double[] sig, y;

        ScalarLoops(int n) {
            v = new double[n];
            d = new double[n];
        }

        private double[] slot(Slot slot) {
            return switch (slot) {
                case X -> v;
                case DY -> d;
                case SIGMOID -> sig == null ? sig = new double[v.length] : sig;
                case Y -> y == null ? y = new double[v.length] : y;
            };
        }

        @Override
        public void read(Values src, int base, Slot slot) {
            src.get(base, slot(slot));
        }

        @Override
        public void write(Values dst, int base, Slot slot) {
            dst.put(base, slot(slot));
        }

        @Override
        public void silu(Slot slot) {
            double[] s = slot(Slot.SIGMOID), u = slot(slot);
            for (int i = 0; i < u.length; i++) {
                s[i] = 1 / (1 + Math.exp(-u[i]));
                u[i] *= s[i];
            }
        }

        @Override
        public void siluBackward() {
            double[] s = slot(Slot.SIGMOID), a = slot(Slot.Y);
            for (int i = 0; i < d.length; i++) d[i] *= s[i] + a[i] * (1 - s[i]);
        }

        /** One pass; the sums are taken about v[0], so the variance keeps double accuracy when the mean is far from 0. */
        @Override
        public double moments(double[] m) {
            int n = v.length;
            double k = v[0], s0 = 0, s1 = 0, s2 = 0, s3 = 0, q0 = 0, q1 = 0, q2 = 0, q3 = 0;
            int i = 0;
            for (; i + 3 < n; i += 4) {
                double a = v[i] - k, b = v[i + 1] - k, c = v[i + 2] - k, e = v[i + 3] - k;
                s0 += a;
                s1 += b;
                s2 += c;
                s3 += e;
                q0 += a * a;
                q1 += b * b;
                q2 += c * c;
                q3 += e * e;
            }
            for (; i < n; i++) {
                double a = v[i] - k;
                s0 += a;
                q0 += a * a;
            }
            double shifted = (s0 + s1 + s2 + s3) / n;
            m[0] = k + shifted;
            m[1] = Math.max(0, (q0 + q1 + q2 + q3) / n - shifted * shifted);
            return m[0];
        }

        @Override
        public void affine(int from, int to, double a, double s, Slot target) {
            double[] t = slot(target);
            for (int i = from; i < to; i++) t[i] = v[i] * a + s;
        }

        @Override
        public void sumAndDot(int from, int to, double mean, double[] m) {
            double s0 = 0, s1 = 0, s2 = 0, s3 = 0, p0 = 0, p1 = 0, p2 = 0, p3 = 0;
            int i = from;
            for (; i + 3 < to; i += 4) {
                s0 += d[i];
                s1 += d[i + 1];
                s2 += d[i + 2];
                s3 += d[i + 3];
                p0 += d[i] * (v[i] - mean);
                p1 += d[i + 1] * (v[i + 1] - mean);
                p2 += d[i + 2] * (v[i + 2] - mean);
                p3 += d[i + 3] * (v[i + 3] - mean);
            }
            for (; i < to; i++) {
                s0 += d[i];
                p0 += d[i] * (v[i] - mean);
            }
            m[0] = s0 + s1 + s2 + s3;
            m[1] = p0 + p1 + p2 + p3;
        }

        @Override
        public void combine(int from, int to, double a, double p, double q) {
            for (int i = from; i < to; i++) d[i] = d[i] * a + v[i] * p + q;
        }
    }

    /** Shape facts of a GroupNorm input, checked. */
    private record Layout(int batch, int channels, int perGroup, int spatial, int groupSize) {
        static Layout of(INDArray x, int groups) {
            if (x.rank() < 2) throw new IllegalArgumentException("GroupNorm: expected an array [B, C, ...], got " + java.util.Arrays.toString(x.shape()));
            if (x.length() > Integer.MAX_VALUE)
                throw new IllegalArgumentException("GroupNorm: " + x.length() + " values in one array; the kernel addresses at most 2^31 - 1");
            int channels = (int) x.size(1);
            if (channels % groups != 0)
                throw new IllegalArgumentException("GroupNorm: " + channels + " channels not divisible by " + groups + " groups");
            int spatial = (int) (x.length() / x.size(0) / channels);
            return new Layout((int) x.size(0), channels, channels / groups, spatial, channels / groups * spatial);
        }
    }

    /** A [B, C] array's values, or null for null. */
    private static double[] perSample(INDArray a, Layout l) {
        if (a == null) return null;
        if (a.length() != (long) l.batch * l.channels)
            throw new IllegalArgumentException("GroupNorm: expected per-sample values [" + l.batch + ", " + l.channels + "], got "
                    + java.util.Arrays.toString(a.shape()));
        double[] v = new double[(int) a.length()];
        Values.of(a).get(0, v);
        return v;
    }

    private static double[] perChannel(INDArray a, int channels) {
        if (a.length() != channels) throw new IllegalArgumentException("GroupNorm: expected " + channels + " per-channel values, got " + a.length());
        double[] v = new double[channels];
        Values.of(a).get(0, v);
        return v;
    }
}
