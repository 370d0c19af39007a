package org.factorlab.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link GroupNormKernel}'s loops for float32 arrays in SIMD lanes (Java's incubating vector API: the widest the CPU
 * has, 16 floats with AVX-512): about ten times the scalar loops' speed, whose floating-point sums C2 cannot
 * vectorise. Loaded only when the JVM was started with {@code --add-modules jdk.incubator.vector}.
 *
 * <p>Accuracy: sums run in float lanes over at most a group's values and are added up in double. The variance is a
 * second pass about the mean, and every pass works on {@code x - mean} (the mean rounded to float, corrected for that
 * rounding in double), so a mean far from zero costs no accuracy. Results depend on the lane width (so may differ in
 * the last bits between CPUs), not on the thread count or the batch.
 */
final class SimdGroupLoops implements GroupNormKernel.GroupLoops {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;

    private final float[] x, d;
    private float[] sig, y;
    /** The last {@link #moments} mean, rounded to float: the loops work on {@code x - mf}. */
    private float mf;

    SimdGroupLoops(int n) {
        x = new float[n];
        d = new float[n];
    }

    private float[] slot(GroupNormKernel.Slot slot) {
        return switch (slot) {
            case X -> x;
            case DY -> d;
            case SIGMOID -> sig == null ? sig = new float[x.length] : sig;
            case Y -> y == null ? y = new float[x.length] : y;
        };
    }

    @Override
    public void read(NativeValues.Values src, int base, GroupNormKernel.Slot slot) {
        ((NativeValues.Floats) src).getFloats(base, slot(slot), x.length);
    }

    @Override
    public void write(NativeValues.Values dst, int base, GroupNormKernel.Slot slot) {
        ((NativeValues.Floats) dst).putFloats(base, slot(slot), x.length);
    }

    @Override
    public void silu(GroupNormKernel.Slot slot) {
        float[] u = slot(slot);
        VectorKernels.silu(u, u, slot(GroupNormKernel.Slot.SIGMOID), u.length);
    }

    @Override
    public void siluBackward() {
        VectorKernels.siluGradient(slot(GroupNormKernel.Slot.SIGMOID), slot(GroupNormKernel.Slot.Y), d, d, d.length);
    }

    @Override
    public double moments(double[] m) {
        int n = x.length, bound = F.loopBound(n), i = 0;
        // first pass about x[0], so that the float sums stay small when the mean is far from zero
        float k = x[0];
        FloatVector kv = FloatVector.broadcast(F, k), s0 = FloatVector.zero(F), s1 = FloatVector.zero(F);
        for (; i + F.length() < bound; i += 2 * F.length()) {
            s0 = s0.add(FloatVector.fromArray(F, x, i).sub(kv));
            s1 = s1.add(FloatVector.fromArray(F, x, i + F.length()).sub(kv));
        }
        for (; i < bound; i += F.length()) s0 = s0.add(FloatVector.fromArray(F, x, i).sub(kv));
        double sum = s0.add(s1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) sum += x[i] - k;
        double mean = k + sum / n;
        mf = (float) mean;
        // second pass about the float mean: sum (x - mf)^2 = n var + n (mean - mf)^2
        FloatVector mv = FloatVector.broadcast(F, mf), q0 = FloatVector.zero(F), q1 = FloatVector.zero(F);
        for (i = 0; i + F.length() < bound; i += 2 * F.length()) {
            FloatVector a = FloatVector.fromArray(F, x, i).sub(mv), b = FloatVector.fromArray(F, x, i + F.length()).sub(mv);
            q0 = a.fma(a, q0);
            q1 = b.fma(b, q1);
        }
        for (; i < bound; i += F.length()) {
            FloatVector a = FloatVector.fromArray(F, x, i).sub(mv);
            q0 = a.fma(a, q0);
        }
        double squares = q0.add(q1).reduceLanes(VectorOperators.ADD);
        for (; i < n; i++) squares += (double) (x[i] - mf) * (x[i] - mf);
        double off = mean - mf;
        m[0] = mean;
        m[1] = Math.max(0, squares / n - off * off);
        return mean;
    }

    /** {@code x a + s = (x - mf) a + (s + mf a)}: the float pass never forms the large, cancelling terms. */
    @Override
    public void affine(int from, int to, double a, double s, GroupNormKernel.Slot target) {
        float[] t = slot(target);
        float fa = (float) a, fs = (float) (s + mf * a);
        FloatVector av = FloatVector.broadcast(F, fa), sv = FloatVector.broadcast(F, fs), mv = FloatVector.broadcast(F, mf);
        int i = from, bound = from + F.loopBound(to - from);
        for (; i < bound; i += F.length()) FloatVector.fromArray(F, x, i).sub(mv).fma(av, sv).intoArray(t, i);
        for (; i < to; i++) t[i] = Math.fma(x[i] - mf, fa, fs);
    }

    @Override
    public void sumAndDot(int from, int to, double mean, double[] m) {
        FloatVector mv = FloatVector.broadcast(F, mf), s = FloatVector.zero(F), p = FloatVector.zero(F);
        int i = from, bound = from + F.loopBound(to - from);
        for (; i < bound; i += F.length()) {
            FloatVector dv = FloatVector.fromArray(F, d, i);
            s = s.add(dv);
            p = dv.fma(FloatVector.fromArray(F, x, i).sub(mv), p);
        }
        double sum = s.reduceLanes(VectorOperators.ADD), dot = p.reduceLanes(VectorOperators.ADD);
        for (; i < to; i++) {
            sum += d[i];
            dot += (double) d[i] * (x[i] - mf);
        }
        m[0] = sum;
        // sum d (x - mean) = sum d (x - mf) - (mean - mf) sum d
        m[1] = dot - (mean - mf) * sum;
    }

    /** {@code d a + x p + q = d a + (x - mf) p + (q + mf p)}. */
    @Override
    public void combine(int from, int to, double a, double p, double q) {
        float fa = (float) a, fp = (float) p, fq = (float) (q + mf * p);
        FloatVector av = FloatVector.broadcast(F, fa), pv = FloatVector.broadcast(F, fp), qv = FloatVector.broadcast(F, fq);
        FloatVector mv = FloatVector.broadcast(F, mf);
        int i = from, bound = from + F.loopBound(to - from);
        for (; i < bound; i += F.length()) {
            FloatVector xc = FloatVector.fromArray(F, x, i).sub(mv);
            FloatVector.fromArray(F, d, i).fma(av, xc.fma(pv, qv)).intoArray(d, i);
        }
        for (; i < to; i++) d[i] = Math.fma(d[i], fa, Math.fma(x[i] - mf, fp, fq));
    }
}
