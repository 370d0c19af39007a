package org.factorlab.nn;

import jdk.incubator.vector.FloatVector;
import jdk.incubator.vector.IntVector;
import jdk.incubator.vector.VectorMask;
import jdk.incubator.vector.VectorOperators;
import jdk.incubator.vector.VectorSpecies;

/**
 * {@link SimdKernels} on Java's vector API, the CPU's widest float lanes. Every element goes through the same lane
 * arithmetic, the last partial vector too (loaded and stored through a mask): a value never depends on where it sits
 * in its array, so a sample's results do not depend on its batch.
 */
final class VectorKernels implements SimdKernels {
    private static final VectorSpecies<Float> F = FloatVector.SPECIES_PREFERRED;
    private static final FloatVector ONE = FloatVector.broadcast(F, 1f);

    @Override
    public GroupNormKernel.GroupLoops groupLoops(int groupSize) {
        return new SimdGroupLoops(groupSize);
    }

    @Override
    public void siluForward(float[] x, float[] y, float[] s, int n) {
        silu(x, y, s, n);
    }

    @Override
    public void siluBackward(float[] s, float[] y, float[] dy, float[] dx, int n) {
        siluGradient(s, y, dy, dx, n);
    }

    /** {@code s = sigmoid(x)}, {@code y = x s}; y may be x. */
    static void silu(float[] x, float[] y, float[] s, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length()) {
            FloatVector v = FloatVector.fromArray(F, x, i), sig = sigmoid(v);
            sig.intoArray(s, i);
            v.mul(sig).intoArray(y, i);
        }
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            FloatVector v = FloatVector.fromArray(F, x, i, m), sig = sigmoid(v);
            sig.intoArray(s, i, m);
            v.mul(sig).intoArray(y, i, m);
        }
    }

    /** {@code dx = dy (s + y (1 - s))}; dx may be dy. */
    static void siluGradient(float[] s, float[] y, float[] dy, float[] dx, int n) {
        int i = 0;
        for (int bound = F.loopBound(n); i < bound; i += F.length())
            siluGradient(FloatVector.fromArray(F, s, i), FloatVector.fromArray(F, y, i), FloatVector.fromArray(F, dy, i)).intoArray(dx, i);
        if (i < n) {
            VectorMask<Float> m = F.indexInRange(i, n);
            siluGradient(FloatVector.fromArray(F, s, i, m), FloatVector.fromArray(F, y, i, m), FloatVector.fromArray(F, dy, i, m)).intoArray(dx, i, m);
        }
    }

    private static FloatVector sigmoid(FloatVector v) {
        return ONE.div(exp(v.neg()).add(ONE));
    }

    /** dy (s + y (1 - s)). */
    private static FloatVector siluGradient(FloatVector s, FloatVector y, FloatVector dy) {
        return dy.mul(y.fma(ONE.sub(s), s));
    }

    /** Largest and smallest arguments whose exponential is a normal float (2^k with k in [-126, 127]). */
    private static final float EXP_HI = 88.3f, EXP_LO = -87.3f;
    private static final float LOG2E = 1.44269504088896341f, LN2_HI = 0.693359375f, LN2_LO = -2.12194440e-4f;
    /** 1.5 * 2^23: adding and subtracting it rounds a float of magnitude below 2^22 to the nearest integer. */
    private static final float ROUND = 12582912f;
    private static final int ROUND_BITS = Float.floatToRawIntBits(ROUND);

    /**
     * e^v: v = k ln 2 + r with |r| <= ln 2 / 2 (ln 2 in two parts, so r is exact), e^r from Cephes' degree-6
     * polynomial for expf, times 2^k built from its exponent bits; the sigmoid on it is within 1.3e-7 of the exact
     * value, relative (FusedSiluTest). Arguments beyond [-87.3, 88.3] are clamped there (e^v is then about 1e-38 or
     * 2e38, which the sigmoid maps to 0 or 1 alike).
     */
    static FloatVector exp(FloatVector v) {
        FloatVector t = v.max(EXP_LO).min(EXP_HI);
        // the rounded sum's low mantissa bits hold k as an integer (ROUND's bits plus k)
        FloatVector shifted = t.mul(LOG2E).add(ROUND), k = shifted.sub(ROUND);
        FloatVector r = k.fma(FloatVector.broadcast(F, -LN2_HI), t);
        r = k.fma(FloatVector.broadcast(F, -LN2_LO), r);
        FloatVector p = FloatVector.broadcast(F, 1.9875691500e-4f);
        p = p.fma(r, FloatVector.broadcast(F, 1.3981999507e-3f));
        p = p.fma(r, FloatVector.broadcast(F, 8.3334519073e-3f));
        p = p.fma(r, FloatVector.broadcast(F, 4.1665795894e-2f));
        p = p.fma(r, FloatVector.broadcast(F, 1.6666665459e-1f));
        p = p.fma(r, FloatVector.broadcast(F, 5.0000001201e-1f));
        FloatVector er = p.mul(r.mul(r)).add(r).add(ONE);
        // 2^k: exponent field k + 127
        IntVector bits = shifted.reinterpretAsInts().sub(ROUND_BITS - 127).lanewise(VectorOperators.LSHL, 23);
        return er.mul(bits.reinterpretAsFloats());
    }
}
