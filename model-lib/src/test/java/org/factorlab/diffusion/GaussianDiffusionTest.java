package org.factorlab.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class GaussianDiffusionTest {
    private static final GaussianDiffusion D = new GaussianDiffusion(
            new DiffusionConfig(ScheduleConfig.encdiffLinear(), Parameterization.EPS, LossType.L1));

    private static INDArray randn(long seed, long... shape) {
        return new SeededNoise(seed).gaussian(DataType.DOUBLE, shape);
    }

    @Test
    void qSampleMatchesDefinitionElementwisePerSample() {
        INDArray x0 = randn(1, 3, 2, 4, 4);
        INDArray eps = randn(2, 3, 2, 4, 4);
        int[] t = {0, 500, 999};
        INDArray xt = D.qSample(x0, t, eps);
        double[] abar = D.schedule().alphasCumprod();
        for (int b = 0; b < 3; b++)
            for (int c = 0; c < 2; c++)
                for (int h = 0; h < 4; h++)
                    for (int w = 0; w < 4; w++) {
                        double want = Math.sqrt(abar[t[b]]) * x0.getDouble(b, c, h, w)
                                + Math.sqrt(1 - abar[t[b]]) * eps.getDouble(b, c, h, w);
                        assertEquals(want, xt.getDouble(b, c, h, w), 1e-14);
                    }
    }

    @Test
    void qSampleStatisticsMatchTheMarginal() {
        // x0 = 0.7 everywhere: x_t ~ N(sqrt(abar) 0.7, 1 - abar) per element.
        int n = 200_000;
        INDArray x0 = Nd4j.valueArrayOf(new long[]{2, n}, 0.7, DataType.DOUBLE);
        int[] t = {100, 800};
        INDArray xt = D.qSample(x0, t, new SeededNoise(3).gaussian(DataType.DOUBLE, 2, n));
        double[] abar = D.schedule().alphasCumprod();
        for (int b = 0; b < 2; b++) {
            INDArray row = xt.getRow(b);
            double mean = Math.sqrt(abar[t[b]]) * 0.7, var = 1 - abar[t[b]];
            assertEquals(mean, row.meanNumber().doubleValue(), 5 * Math.sqrt(var / n));
            assertEquals(var, row.varNumber().doubleValue(), 5 * var * Math.sqrt(2.0 / n));
        }
    }

    @Test
    void parameterizationRoundTrips() {
        INDArray x0 = randn(4, 4, 3, 5, 5);
        INDArray eps = randn(5, 4, 3, 5, 5);
        int[] t = {0, 1, 421, 999};
        INDArray xt = D.qSample(x0, t, eps);
        for (Parameterization p : Parameterization.values()) {
            INDArray target = D.target(p, x0, eps, t);
            assertTrue(D.predictX0(p, xt, t, target).equalsWithEps(x0, 1e-9), p + ": x0 from target");
            // eps from x0 divides by sqrt(1/abar - 1) = 0.039 at t = 0, amplifying rounding
            assertTrue(D.predictEps(p, xt, t, target).equalsWithEps(eps, 1e-6), p + ": eps from target");
        }
        // eps <-> x0 directly, and v from its definition.
        assertTrue(D.epsFromX0(xt, t, x0).equalsWithEps(eps, 1e-6));
        double[] abar = D.schedule().alphasCumprod();
        INDArray v = D.velocity(x0, eps, t);
        assertEquals(Math.sqrt(abar[421]) * eps.getDouble(2, 1, 3, 3) - Math.sqrt(1 - abar[421]) * x0.getDouble(2, 1, 3, 3),
                v.getDouble(2, 1, 3, 3), 1e-14);
    }

    @Test
    void posteriorMatchesTheGaussianProductFormula() {
        INDArray x0 = randn(6, 2, 1, 3, 3);
        INDArray xt = randn(7, 2, 1, 3, 3);
        int[] t = {1, 700};
        var post = D.posterior(x0, xt, t);
        double[] beta = D.schedule().betas(), abar = D.schedule().alphasCumprod();
        for (int b = 0; b < 2; b++) {
            int s = t[b];
            double ap = abar[s - 1], a = abar[s], alpha = 1 - beta[s];
            // q(x_{t-1}|x_t,x0) ∝ N(x_{t-1}; sqrt(ap) x0, 1-ap) N(x_t; sqrt(alpha) x_{t-1}, beta)
            double prec = 1 / (1 - ap) + alpha / beta[s];
            double var = 1 / prec;
            assertEquals(var, post.variance().getDouble(b, 0, 0, 0), 1e-15);
            assertEquals(Math.log(var), post.logVariance().getDouble(b, 0, 0, 0), 1e-9);
            double m = var * (Math.sqrt(ap) * x0.getDouble(b, 0, 1, 2) / (1 - ap) + Math.sqrt(alpha) * xt.getDouble(b, 0, 1, 2) / beta[s]);
            assertEquals(m, post.mean().getDouble(b, 0, 1, 2), 1e-12);
            assertEquals(beta[s] * (1 - ap) / (1 - a), var, 1e-15);
        }
    }

    @Test
    void pStepAddsNoNoiseAtTimestepZeroAndPosteriorNoiseElsewhere() {
        INDArray x0 = randn(8, 2, 1, 2, 2);
        INDArray xt = randn(9, 2, 1, 2, 2);
        INDArray z = randn(10, 2, 1, 2, 2);
        int[] t = {0, 300};
        INDArray epsOut = D.epsFromX0(xt, t, x0);
        var step = D.pStep(xt, t, epsOut, z, Double.POSITIVE_INFINITY);
        var post = D.posterior(x0, xt, t);
        assertTrue(step.predictedX0().equalsWithEps(x0, 1e-9));
        assertTrue(step.next().slice(0).equalsWithEps(post.mean().slice(0), 1e-9));
        double sd = Math.sqrt(D.schedule().posteriorVariance()[300]);
        assertTrue(step.next().slice(1).equalsWithEps(post.mean().slice(1).add(z.slice(1).mul(sd)), 1e-9));
    }

    @Test
    void lossesArePerSampleMeans() {
        INDArray a = Nd4j.create(new double[]{1, 2, 3, 4, 0, 0, 0, 0}, new long[]{2, 1, 2, 2}, DataType.DOUBLE);
        INDArray b = Nd4j.create(new double[]{0, 0, 0, 0, 1, -1, 1, -3}, new long[]{2, 1, 2, 2}, DataType.DOUBLE);
        assertArrayEquals(new double[]{2.5, 1.5}, LossType.L1.perSample(a, b).toDoubleVector(), 1e-15);
        assertArrayEquals(new double[]{7.5, 3.0}, LossType.MSE.perSample(a, b).toDoubleVector(), 1e-15);
        assertEquals(5.25, LossType.MSE.mean(a, b), 1e-15);
        assertEquals(LossType.MSE, LossType.of("mse"));
        assertEquals(LossType.MSE, LossType.of("l2"));
    }

    @Test
    void noisedBatchIsReproducibleAndConsistent() {
        INDArray x0 = randn(11, 5, 3, 4, 4).castTo(DataType.FLOAT);
        NoisedBatch a = D.noised(x0, new SeededNoise(42));
        NoisedBatch b = D.noised(x0, new SeededNoise(42));
        assertArrayEquals(a.t(), b.t());
        assertEquals(a.xt(), b.xt());
        assertEquals(DataType.FLOAT, a.xt().dataType());
        assertEquals(a.noise(), a.target());
        assertTrue(D.qSample(x0, a.t(), a.noise()).equalsWithEps(a.xt(), 1e-6));
        for (int t : a.t()) assertTrue(t >= 0 && t < 1000);
    }

    @Test
    void uniformTimestepsCoverTheRangeEvenly() {
        int[] t = new SeededNoise(5).uniformTimesteps(100_000, 10);
        int[] counts = new int[10];
        for (int s : t) counts[s]++;
        for (int c : counts) assertEquals(10_000, c, 5 * Math.sqrt(10_000 * 0.9));
    }

    @Test
    void badInputIsRejectedWithItsName() {
        INDArray x = randn(1, 2, 1, 2, 2);
        var e = assertThrows(IllegalArgumentException.class, () -> D.qSample(x, new int[]{1, 2, 3}, x));
        assertTrue(e.getMessage().contains("3 timesteps"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> D.qSample(x, new int[]{1, 1000}, x));
        assertTrue(e.getMessage().contains("1000"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> D.qSample(x, new int[]{1, 2}, randn(2, 2, 1, 2, 3)));
        assertTrue(e.getMessage().contains("noise"), e.getMessage());
    }
}
