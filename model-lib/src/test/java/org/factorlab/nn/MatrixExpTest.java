package org.factorlab.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The matrix exponential graph: orthogonal on skew-symmetric input, equal to a series, and its gradient. */
class MatrixExpTest {
    private static final String SCALE = "scale";
    private static final String MASK = "mask";

    /** expm(a) through the graph, in {@code type}, with the squarings torch_expm would use. */
    private static INDArray expm(INDArray a, DataType type, int maxSquarings) {
        SameDiff sd = SameDiff.create();
        int n = (int) a.size(0);
        SDVariable in = sd.constant(a.castTo(type));
        SDVariable out = MatrixExp.build(in, n, sd.placeHolder(SCALE, type, 1, 1), sd.placeHolder(MASK, type, maxSquarings + 1, 1, 1), maxSquarings);
        int s = MatrixExp.squarings(a, maxSquarings, "test");
        return sd.output(Map.of(SCALE, MatrixExp.scale(s, type), MASK, MatrixExp.mask(s, maxSquarings, type)), out.name()).get(out.name());
    }

    private static double[][] random(int n, double std, long seed) {
        SplittableRandom r = new SplittableRandom(seed);
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) m[i][j] = r.nextGaussian() * std;
        return m;
    }

    private static double[][] skew(double[][] w) {
        int n = w.length;
        double[][] a = new double[n][n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) a[i][j] = w[i][j] - w[j][i];
        return a;
    }

    /** exp(a) = (exp(a / 2^k))^(2^k) with a 40-term Taylor series in double precision: the reference. */
    private static double[][] series(double[][] a) {
        int n = a.length, k = 6;
        double[][] x = new double[n][n];
        for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) x[i][j] = a[i][j] / (1 << k);
        double[][] sum = identity(n), term = identity(n);
        for (int m = 1; m <= 40; m++) {
            term = times(term, x);
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) term[i][j] /= m;
            for (int i = 0; i < n; i++) for (int j = 0; j < n; j++) sum[i][j] += term[i][j];
        }
        for (int i = 0; i < k; i++) sum = times(sum, sum);
        return sum;
    }

    private static double[][] identity(int n) {
        double[][] e = new double[n][n];
        for (int i = 0; i < n; i++) e[i][i] = 1;
        return e;
    }

    private static double[][] times(double[][] p, double[][] q) {
        int n = p.length;
        double[][] r = new double[n][n];
        for (int i = 0; i < n; i++) for (int k = 0; k < n; k++) for (int j = 0; j < n; j++) r[i][j] += p[i][k] * q[k][j];
        return r;
    }

    @Test
    void expOfASkewSymmetricMatrixIsOrthogonal() {
        // DisDiff's size: W is 128 x 128 with N(0, 1) entries (||W - W^T||_F ~ 180: six squarings)
        INDArray a = Nd4j.create(skew(random(128, 1.0, 1)));
        int s = MatrixExp.squarings(a, MatrixExp.MAX_SQUARINGS, "test");
        assertTrue(s >= 5, "the test must exercise squaring, got " + s);
        INDArray p = expm(a, DataType.FLOAT, MatrixExp.MAX_SQUARINGS).castTo(DataType.DOUBLE);
        double err = p.mmul(p.transpose()).subi(Nd4j.eye(128)).amaxNumber().doubleValue();
        assertTrue(err < 1e-5, "max |P P^T - I| = " + err);
    }

    @Test
    void equalsADoublePrecisionSeriesOnSmallMatrices() {
        for (double std : new double[]{0.05, 0.5, 2.0}) {
            for (boolean skewSymmetric : new boolean[]{true, false}) {
                double[][] a = skewSymmetric ? skew(random(5, std, 3)) : random(5, std, 4);
                INDArray got = expm(Nd4j.create(a), DataType.DOUBLE, 4);
                INDArray want = Nd4j.create(series(a));
                double err = got.sub(want).amaxNumber().doubleValue() / Math.max(1, want.amaxNumber().doubleValue());
                assertTrue(err < 1e-10, "std " + std + " skew " + skewSymmetric + ": relative error " + err);
            }
        }
    }

    @Test
    void squaringsFollowTorchExpm() {
        assertEquals(0, MatrixExp.squarings(Nd4j.create(new double[][]{{0, 1}, {-1, 0}}), 16, "t"));
        // ||A||_F = 8 * sqrt(2) * 5.3719... / 8: one squaring above theta_13
        INDArray a = Nd4j.create(new double[][]{{0, 4}, {-4, 0}});
        assertEquals((int) Math.ceil(Math.log(Math.sqrt(32) / MatrixExp.THETA_13) / Math.log(2)), MatrixExp.squarings(a, 16, "t"));
        assertEquals(1, MatrixExp.squarings(a, 16, "t"));
    }

    @Test
    void gradientMatchesFiniteDifferences() {
        for (double std : new double[]{0.3, 3.0}) { // no squaring, and squarings
            SameDiff sd = SameDiff.create();
            Scope s = Scope.root(sd, DataType.DOUBLE, 5);
            SDVariable w = s.normal("w", 0, std, 4, 4);
            SDVariable a = w.sub(w.permute(1, 0));
            int max = 4;
            SDVariable p = MatrixExp.build(a, 4, sd.placeHolder(SCALE, DataType.DOUBLE, 1, 1),
                    sd.placeHolder(MASK, DataType.DOUBLE, max + 1, 1, 1), max);
            p.mul(sd.constant(Nd4j.create(random(4, 1.0, 9)))).sum().rename("loss");
            int sq = MatrixExp.squarings(sd.getArrForVarName("w").sub(sd.getArrForVarName("w").transpose()), max, "t");
            var feed = Map.of(SCALE, MatrixExp.scale(sq, DataType.DOUBLE), MASK, MatrixExp.mask(sq, max, DataType.DOUBLE));
            var r = GradientCheck.check(sd, "loss", feed, java.util.List.of("w"), 16, 1e-6, 1e-5, 1e-9, 1);
            assertTrue(r.passed(), "std " + std + " (squarings " + sq + "): " + r);
        }
    }
}
