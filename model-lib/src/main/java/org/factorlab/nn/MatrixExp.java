package org.factorlab.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The matrix exponential as SameDiff ops, so that its gradient is SameDiff's own backward of matmul, add and matrix
 * inverse: scaling and squaring with the degree-13 Padé approximant (Higham 2005, the method of the official
 * {@code torch_expm}). SameDiff has no expm op.
 *
 * <p>The number of squarings depends on the matrix's norm, which changes while training, but a graph's structure is
 * fixed. So the graph always squares {@code maxSquarings} times and picks the result after {@code s} squarings with a
 * one-hot mask; {@code s} and the scale {@code 2^-s} are fed each step ({@link #squarings}, {@link #scale},
 * {@link #mask}), computed from the current matrix exactly as torch_expm computes them. The unselected squarings get
 * a zero gradient. They must stay finite: fine for skew-symmetric inputs (their powers are orthogonal).
 */
public final class MatrixExp {
    /** theta_13: the largest 1-norm for which the degree-13 Padé approximant is accurate to double precision. */
    public static final double THETA_13 = 5.371920351148152;
    /** Squarings the graph can select from: norms up to theta_13 * 2^16. */
    public static final int MAX_SQUARINGS = 16;
    /** Padé 13 coefficients b_0..b_13, divided by b_0 (the quotient q^-1 p does not change; float32 stays in range). */
    private static final double[] B = pade13();

    private MatrixExp() {
    }

    private static double[] pade13() {
        double[] b = {64764752532480000.0, 32382376266240000.0, 7771770303897600.0, 1187353796428800.0, 129060195264000.0,
                10559470521600.0, 670442572800.0, 33522128640.0, 1323241920.0, 40840800.0, 960960.0, 16380.0, 182.0, 1.0};
        double b0 = b[0];
        for (int i = 0; i < b.length; i++) b[i] /= b0;
        return b;
    }

    /**
     * {@code expm(a)} for a square {@code a [n, n]}.
     *
     * @param scale placeholder {@code [1, 1]}: {@code 2^-s} ({@link #scale})
     * @param mask  placeholder {@code [maxSquarings + 1, 1, 1]}: one-hot at {@code s} ({@link #mask})
     */
    public static SDVariable build(SDVariable a, int n, SDVariable scale, SDVariable mask, int maxSquarings) {
        SameDiff sd = a.getSameDiff();
        SDVariable eye = sd.constant(Nd4j.eye(n).castTo(a.dataType()));
        SDVariable x = a.mul(scale);
        SDVariable x2 = x.mmul(x), x4 = x2.mmul(x2), x6 = x4.mmul(x2);
        SDVariable uInner = x6.mmul(x6.mul(B[13]).add(x4.mul(B[11])).add(x2.mul(B[9])))
                .add(x6.mul(B[7])).add(x4.mul(B[5])).add(x2.mul(B[3])).add(eye.mul(B[1]));
        SDVariable u = x.mmul(uInner);
        SDVariable v = x6.mmul(x6.mul(B[12]).add(x4.mul(B[10])).add(x2.mul(B[8])))
                .add(x6.mul(B[6])).add(x4.mul(B[4])).add(x2.mul(B[2])).add(eye.mul(B[0]));
        SDVariable r = inverse(v.sub(u)).mmul(v.add(u));
        SDVariable[] powers = new SDVariable[maxSquarings + 1];
        powers[0] = r;
        for (int k = 1; k <= maxSquarings; k++) powers[k] = powers[k - 1].mmul(powers[k - 1]);
        return sd.stack(0, powers).mul(mask).sum(0);
    }

    /**
     * {@code q^-1} with the gradient {@code -q^-T g q^-T}, written as {@code S - S (q - sg(q)) S} with
     * {@code S = sg(inverse(q))}: the value is S, the derivative the exact first-order one. SameDiff M2.1's own
     * matrix_inverse backward disagrees with finite differences (MatrixExpTest).
     */
    static SDVariable inverse(SDVariable q) {
        SDVariable s = stopGradient(q.getSameDiff().math().matrixInverse(stopGradient(q)));
        return s.sub(s.mmul(q.sub(stopGradient(q))).mmul(s));
    }

    private static SDVariable stopGradient(SDVariable x) {
        return new org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient(x.getSameDiff(), x).outputVariable();
    }

    /** torch_expm's squarings: {@code max(0, ceil(log2(||a||_F / theta_13)))}; errors name {@code what}. */
    public static int squarings(INDArray a, int maxSquarings, String what) {
        double fro = a.castTo(DataType.DOUBLE).norm2Number().doubleValue();
        if (!Double.isFinite(fro)) throw new IllegalStateException(what + ": the matrix is not finite");
        int s = (int) Math.max(0, Math.ceil(Math.log(fro / THETA_13) / Math.log(2)));
        if (s > maxSquarings)
            throw new IllegalStateException(what + ": Frobenius norm " + fro + " needs " + s + " squarings, more than the graph's " + maxSquarings);
        return s;
    }

    /** The scale placeholder's value {@code [[2^-s]]}. */
    public static INDArray scale(int s, DataType type) {
        return Nd4j.create(new double[]{Math.pow(2, -s)}, new long[]{1, 1}, DataType.DOUBLE).castTo(type);
    }

    /** The mask placeholder's value: one-hot at {@code s}, shaped {@code [maxSquarings + 1, 1, 1]}. */
    public static INDArray mask(int s, int maxSquarings, DataType type) {
        double[] m = new double[maxSquarings + 1];
        m[s] = 1;
        return Nd4j.create(m, new long[]{maxSquarings + 1, 1, 1}, DataType.DOUBLE).castTo(type);
    }
}
