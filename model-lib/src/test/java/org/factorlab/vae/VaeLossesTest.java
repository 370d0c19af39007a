package org.factorlab.vae;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.factorlab.nn.GradientCheck;
import org.factorlab.nn.Scope;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The VAE losses against direct double-precision Java computations, Monte Carlo estimates and finite differences. */
class VaeLossesTest {
    static final DataType D = DataType.DOUBLE;

    static INDArray random(SplittableRandom rng, double lo, double hi, int rows, int cols) {
        double[] v = new double[rows * cols];
        for (int i = 0; i < v.length; i++) v[i] = lo + (hi - lo) * rng.nextDouble();
        return Nd4j.create(v, new long[]{rows, cols}, D);
    }

    static double logNormal(double x, double mean, double logVar) {
        double d = x - mean;
        return -0.5 * (d * d * Math.exp(-logVar) + logVar + Math.log(2 * Math.PI));
    }

    /** Asserts that the per-example closed form lies within 4 standard errors of the Monte Carlo mean of log q - log p. */
    static void assertMatchesMonteCarlo(INDArray closed, INDArray mq, INDArray lq, INDArray mp, INDArray lp, long seed) {
        int n = 200_000;
        SplittableRandom rng = new SplittableRandom(seed);
        for (int b = 0; b < mq.rows(); b++) {
            double sum = 0, sumSq = 0;
            for (int k = 0; k < n; k++) {
                double r = 0;
                for (int l = 0; l < mq.columns(); l++) {
                    double m = mq.getDouble(b, l), v = lq.getDouble(b, l);
                    double z = m + Math.exp(v / 2) * rng.nextGaussian();
                    r += logNormal(z, m, v) - logNormal(z, mp.getDouble(b, l), lp.getDouble(b, l));
                }
                sum += r;
                sumSq += r * r;
            }
            double mean = sum / n, se = Math.sqrt((sumSq / n - mean * mean) / n);
            double kl = closed.getDouble(b);
            assertTrue(Math.abs(kl - mean) < 4 * se, "example " + b + ": closed form " + kl + ", Monte Carlo " + mean + " +- " + se);
            assertTrue(kl > 0.05, "example " + b + " should have a clearly positive KL, got " + kl);
        }
    }

    @Test
    void klStandardNormalMatchesMonteCarlo() {
        SplittableRandom rng = new SplittableRandom(1);
        INDArray m = random(rng, -1.5, 1.5, 3, 4), lv = random(rng, -1.5, 1.0, 3, 4);
        SameDiff sd = SameDiff.create();
        INDArray kl = VaeLosses.klStandardNormal(sd.constant(m), sd.constant(lv)).eval();
        assertArrayEquals(new long[]{3}, kl.shape());
        assertMatchesMonteCarlo(kl, m, lv, Nd4j.zeros(D, 3, 4), Nd4j.zeros(D, 3, 4), 2);
    }

    @Test
    void klDiagonalGaussiansMatchesMonteCarlo() {
        SplittableRandom rng = new SplittableRandom(3);
        INDArray mq = random(rng, -1, 1, 3, 4), lq = random(rng, -1.5, 0.5, 3, 4);
        INDArray mp = random(rng, -1, 1, 3, 4), lp = random(rng, -0.5, 1.0, 3, 4);
        SameDiff sd = SameDiff.create();
        INDArray kl = VaeLosses.klDiagonalGaussians(sd.constant(mq), sd.constant(lq), sd.constant(mp), sd.constant(lp)).eval();
        assertArrayEquals(new long[]{3}, kl.shape());
        assertMatchesMonteCarlo(kl, mq, lq, mp, lp, 4);
        // with p = N(0, I) it is the standard-normal KL
        INDArray zero = Nd4j.zeros(D, 3, 4);
        INDArray a = VaeLosses.klDiagonalGaussians(sd.constant(mq), sd.constant(lq), sd.constant(zero), sd.constant(zero)).eval();
        INDArray b = VaeLosses.klStandardNormal(sd.constant(mq), sd.constant(lq)).eval();
        assertTrue(a.equalsWithEps(b, 1e-12), a + " vs " + b);
    }

    @Test
    void totalCorrelationMatchesBruteForce() {
        int batch = 5, dims = 3;
        SplittableRandom rng = new SplittableRandom(5);
        INDArray mean = random(rng, -2, 2, batch, dims), logVar = random(rng, -2, 1, batch, dims);
        INDArray z = mean.add(random(rng, -1, 1, batch, dims));
        SameDiff sd = SameDiff.create();
        double tc = VaeLosses.totalCorrelation(sd.constant(z), sd.constant(mean), sd.constant(logVar)).eval().getDouble(0);

        double want = 0;
        for (int j = 0; j < batch; j++) {
            double joint = 0, product = 0;
            for (int i = 0; i < batch; i++) {
                double s = 0;
                for (int l = 0; l < dims; l++) s += logNormal(z.getDouble(j, l), mean.getDouble(i, l), logVar.getDouble(i, l));
                joint += Math.exp(s);
            }
            for (int l = 0; l < dims; l++) {
                double marginal = 0;
                for (int i = 0; i < batch; i++) marginal += Math.exp(logNormal(z.getDouble(j, l), mean.getDouble(i, l), logVar.getDouble(i, l)));
                product += Math.log(marginal);
            }
            want += (Math.log(joint) - product) / batch;
        }
        assertEquals(want, tc, 1e-9);
        assertTrue(Math.abs(want) > 1e-3, "degenerate test batch, TC " + want);
    }

    @Test
    void totalCorrelationGradient() {
        SameDiff sd = SameDiff.create();
        Scope s = Scope.root(sd, D, 7);
        SDVariable z = s.uniform("z", 2.0, 4, 3), mean = s.uniform("mean", 2.0, 4, 3), logVar = s.uniform("log_var", 1.0, 4, 3);
        VaeLosses.totalCorrelation(z, mean, logVar).rename("loss");
        GradientCheck.randomize(sd, 1.5, 3);
        var r = GradientCheck.check(sd, "loss", Map.of(), GradientCheck.trainable(sd), 12, 1e-6, 1e-5, 1e-9, 1);
        assertTrue(r.passed(), r.toString());
    }

    @Test
    void logSumExpIsStableForVeryNegativeValues() {
        // nd4j's logSumExp backward is exp(x) / sum(exp(x)) unshifted: 0/0 here.
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", Nd4j.createFromArray(new double[][]{{-1000, -1001, -1002}, {5, 3, 4}}));
        SDVariable lse = VaeLosses.logSumExp(x, 1);
        lse.sum().rename("loss");
        sd.setLossVariables("loss");
        INDArray v = lse.eval();
        double e = Math.log(1 + Math.exp(-1) + Math.exp(-2));
        assertEquals(-1000 + e, v.getDouble(0), 1e-9);
        assertEquals(5 + Math.log(1 + Math.exp(-2) + Math.exp(-1)), v.getDouble(1), 1e-12);
        INDArray g = sd.calculateGradients(Map.of(), "x").get("x");
        double z0 = 1 + Math.exp(-1) + Math.exp(-2);
        assertEquals(1 / z0, g.getDouble(0, 0), 1e-12);
        assertEquals(Math.exp(-2) / z0, g.getDouble(0, 2), 1e-12);
        assertEquals(1.0, g.getDouble(1, 0) + g.getDouble(1, 1) + g.getDouble(1, 2), 1e-12);
    }

    @Test
    void stopGradientIsIdentityForwardAndZeroBackward() {
        // L = sum(sg(x) * x): dL/dx = x, where without the stop-gradient it would be 2x.
        SameDiff sd = SameDiff.create();
        INDArray xv = Nd4j.createFromArray(1.5, -2.0, 0.25);
        SDVariable x = sd.var("x", xv.dup());
        SDVariable stopped = VaeLosses.stopGradient(x);
        stopped.mul(x).sum().rename("loss");
        sd.setLossVariables("loss");
        assertEquals(xv, stopped.eval());
        INDArray g = sd.calculateGradients(Map.of(), "x").get("x");
        assertEquals(xv, g);
    }

    @Test
    void reconstructionLosses() {
        SplittableRandom rng = new SplittableRandom(9);
        INDArray logits = Nd4j.create(D, 2, 1, 2, 3), target = Nd4j.create(D, 2, 1, 2, 3);
        for (long i = 0; i < logits.length(); i++) {
            logits.putScalar(i, (rng.nextDouble() - 0.5) * 8);
            target.putScalar(i, rng.nextDouble());
        }
        logits.putScalar(0, 800.0);   // exp(800) overflows a double: the stable form must not
        logits.putScalar(7, -800.0);
        SameDiff sd = SameDiff.create();
        INDArray bce = VaeLosses.bernoulliReconstruction(sd.constant(logits), sd.constant(target)).eval();
        INDArray l2 = VaeLosses.l2Reconstruction(sd.constant(logits), sd.constant(target)).eval();
        assertArrayEquals(new long[]{2}, bce.shape());
        for (int b = 0; b < 2; b++) {
            double wantBce = 0, wantL2 = 0;
            for (int i = 0; i < 6; i++) {
                double l = logits.getDouble(b * 6L + i), y = target.getDouble(b * 6L + i);
                double p = 1 / (1 + Math.exp(-l));
                // -y log p - (1-y) log(1-p) with log p = -softplus(-l), log(1-p) = -softplus(l)
                wantBce += y * softplus(-l) + (1 - y) * softplus(l);
                wantL2 += (p - y) * (p - y);
            }
            assertEquals(wantBce, bce.getDouble(b), 1e-9 * Math.abs(wantBce));
            assertEquals(wantL2, l2.getDouble(b), 1e-12);
        }
    }

    private static double softplus(double x) {
        return x > 30 ? x : x < -30 ? Math.exp(x) : Math.log1p(Math.exp(x));
    }

    @Test
    void sampleIsReparameterised() {
        SameDiff sd = SameDiff.create();
        INDArray m = Nd4j.createFromArray(new double[][]{{1, -2}}), lv = Nd4j.createFromArray(new double[][]{{0.5, -1}});
        SDVariable eps = sd.placeHolder("eps", D, -1, 2);
        SDVariable z = VaeLosses.sample(sd.constant(m), sd.constant(lv), eps);
        INDArray out = sd.output(Map.of("eps", Nd4j.createFromArray(new double[][]{{0.3, -1.2}})), z.name()).get(z.name());
        assertEquals(1 + Math.exp(0.25) * 0.3, out.getDouble(0, 0), 1e-12);
        assertEquals(-2 + Math.exp(-0.5) * -1.2, out.getDouble(0, 1), 1e-12);
    }

    @Test
    void permuteDimsIndexPermutesEachColumnIndependently() {
        int batch = 16, dims = 5;
        long[] idx = VaeLosses.permuteDimsIndex(batch, dims, new SplittableRandom(42));
        assertArrayEquals(idx, VaeLosses.permuteDimsIndex(batch, dims, new SplittableRandom(42)));
        assertNotEquals(Arrays.toString(idx), Arrays.toString(VaeLosses.permuteDimsIndex(batch, dims, new SplittableRandom(43))));
        int[][] perm = new int[dims][batch];
        for (int i = 0; i < batch; i++)
            for (int l = 0; l < dims; l++) {
                long f = idx[i * dims + l];
                assertEquals(l, f % dims, "index " + i + "," + l + " leaves its column");
                perm[l][i] = (int) (f / dims);
            }
        for (int l = 0; l < dims; l++) {
            int[] sorted = perm[l].clone();
            Arrays.sort(sorted);
            for (int i = 0; i < batch; i++) assertEquals(i, sorted[i], "column " + l + " is not a permutation");
            assertTrue(!Arrays.equals(perm[l], sorted), "column " + l + " left in order");
        }
        boolean differ = false;
        for (int l = 1; l < dims; l++) differ |= !Arrays.equals(perm[0], perm[l]);
        assertTrue(differ, "all columns permuted alike");
    }

    @Test
    void permuteDimsGathersColumnWise() {
        int batch = 6, dims = 3;
        SplittableRandom rng = new SplittableRandom(8);
        INDArray z = random(rng, -1, 1, batch, dims);
        long[] idx = VaeLosses.permuteDimsIndex(batch, dims, new SplittableRandom(1));
        SameDiff sd = SameDiff.create();
        SDVariable zv = sd.placeHolder("z", D, -1, dims);
        SDVariable ix = sd.placeHolder("idx", DataType.INT64, -1);
        SDVariable out = VaeLosses.permuteDims(zv, ix);
        INDArray got = sd.output(Map.of("z", z, "idx", Nd4j.createFromArray(idx)), out.name()).get(out.name());
        assertArrayEquals(new long[]{batch, dims}, got.shape());
        for (int i = 0; i < batch; i++)
            for (int l = 0; l < dims; l++) {
                int src = (int) (idx[i * dims + l] / dims);
                assertEquals(z.getDouble(src, l), got.getDouble(i, l), 0.0);
            }
        // each column keeps its multiset
        for (int l = 0; l < dims; l++) {
            double[] a = z.getColumn(l).toDoubleVector(), b = got.getColumn(l).toDoubleVector();
            Arrays.sort(a);
            Arrays.sort(b);
            assertArrayEquals(a, b, 0.0);
        }
    }

    @Test
    void permuteDimsCarriesNoGradient() {
        // L = sum(w * permute(z) * z): only the unpermuted factor z sends a gradient, w * permute(z).
        int batch = 4, dims = 3;
        SameDiff sd = SameDiff.create();
        Scope s = Scope.root(sd, D, 2);
        SDVariable z = s.uniform("z", 1.0, batch, dims);
        long[] idx = VaeLosses.permuteDimsIndex(batch, dims, new SplittableRandom(5));
        INDArray w = Nd4j.rand(D, batch, dims);
        SDVariable permuted = VaeLosses.permuteDims(z, sd.constant(Nd4j.createFromArray(idx)));
        permuted.mul(sd.constant(w)).mul(z).sum().rename("loss");
        sd.setLossVariables("loss");
        INDArray g = sd.calculateGradients(Map.of(), "z").get("z");
        assertTrue(g.equalsWithEps(w.mul(permuted.eval()), 1e-12), g.toString());
    }
}
