package org.factorlab.diffusion;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

class DdimSamplerTest {
    private static final long[] SHAPE = {2, 2, 3, 3};
    /** T = 100 with ten times EncDiff's betas, so that abar_T is close to 0 (6.7e-4) as with T = 1000. */
    private static final ScheduleConfig SHORT = new ScheduleConfig(BetaSchedule.LINEAR, 100, 0.015, 0.155, 0.008);

    private static GaussianDiffusion diffusion(Parameterization p) {
        return new GaussianDiffusion(new DiffusionConfig(ScheduleConfig.encdiffLinear(), p, LossType.MSE));
    }

    /** The exact model of a one-point data set {x*}: eps(x_t, t) = (x_t - sqrt(abar_t) x*) / sqrt(1 - abar_t). */
    private static Denoiser onePoint(GaussianDiffusion d, INDArray xStar) {
        return (xt, t) -> {
            INDArray eps = d.epsFromX0(xt, t, xStar);
            return d.target(d.parameterization(), xStar, eps, t);
        };
    }

    /**
     * The exact model of Gaussian data x0 ~ N(mu, s^2 I): x_t ~ N(sqrt(a) mu, (a s^2 + 1 - a) I) and
     * E[eps | x_t] = sqrt(1 - a) (x_t - sqrt(a) mu) / (a s^2 + 1 - a).
     */
    private static Denoiser gaussian(GaussianDiffusion d, double mu, double s) {
        double[] abar = d.schedule().alphasCumprod();
        return (xt, t) -> {
            double[] k = new double[t.length], m = new double[t.length];
            for (int b = 0; b < t.length; b++) {
                double a = abar[t[b]];
                k[b] = Math.sqrt(1 - a) / (a * s * s + 1 - a);
                m[b] = Math.sqrt(a) * mu;
            }
            INDArray eps = xt.sub(GaussianDiffusion.perSample(m, xt)).muli(GaussianDiffusion.perSample(k, xt));
            INDArray x0 = d.predictX0(Parameterization.EPS, xt, t, eps);
            return d.target(d.parameterization(), x0, eps, t);
        };
    }

    private static double maxAbs(INDArray a, INDArray b) {
        return Transforms.abs(a.sub(b)).maxNumber().doubleValue();
    }

    @Test
    void recoversTheDataPointForEveryParameterizationEtaAndStepCount() {
        INDArray xStar = new SeededNoise(1).gaussian(DataType.DOUBLE, SHAPE);
        for (Parameterization p : Parameterization.values()) {
            GaussianDiffusion d = diffusion(p);
            GaussianDiffusion d100 = new GaussianDiffusion(new DiffusionConfig(SHORT, p, LossType.MSE));
            for (double eta : new double[]{0, 1}) {
                for (int steps : new int[]{1, 7, 50}) check(d, DdimConfig.of(steps, eta), xStar);
                check(d100, new DdimConfig(100, eta, DdimSpacing.LINSPACE, true, Double.POSITIVE_INFINITY), xStar);
                check(d100, new DdimConfig(5, eta, DdimSpacing.QUAD, true, Double.POSITIVE_INFINITY), xStar);
            }
        }
        GaussianDiffusion d = diffusion(Parameterization.EPS);
        for (double eta : new double[]{0, 1}) check(d, DdimConfig.of(200, eta), xStar);
    }

    private static void check(GaussianDiffusion d, DdimConfig cfg, INDArray xStar) {
        INDArray x = new DdimSampler(d, cfg).sample(onePoint(d, xStar), DataType.DOUBLE, SHAPE, 7);
        assertTrue(maxAbs(x, xStar) < 1e-6, d.parameterization() + " " + cfg + ": error " + maxAbs(x, xStar));
    }

    @Test
    void ldmFinalStepLandsOnAlphasCumprod0() {
        // With one-point data and eta = 0 the noise direction e is invariant along the trajectory, so LDM's last
        // step (to abar_0 rather than 1) returns sqrt(abar_0) x* + sqrt(1 - abar_0) e exactly.
        GaussianDiffusion d = diffusion(Parameterization.EPS);
        INDArray xStar = new SeededNoise(2).gaussian(DataType.DOUBLE, SHAPE);
        var sampler = new DdimSampler(d, DdimConfig.ldm(200, 0));
        INDArray xT = new SeededNoise(3).gaussian(DataType.DOUBLE, SHAPE);
        double aTop = sampler.alphas()[sampler.steps() - 1], a0 = d.schedule().alphasCumprod()[0];
        INDArray e = xT.sub(xStar.mul(Math.sqrt(aTop))).divi(Math.sqrt(1 - aTop));
        INDArray want = xStar.mul(Math.sqrt(a0)).addi(e.mul(Math.sqrt(1 - a0)));
        INDArray got = sampler.sample(onePoint(d, xStar), xT, new SeededNoise(4));
        assertTrue(maxAbs(got, want) < 1e-9, "error " + maxAbs(got, want));
        assertTrue(maxAbs(got, xStar) > 1e-3, "LDM's last step keeps a little noise");
    }

    @Test
    void ldmUniformTimestepsHaveThePlusOneOffset() {
        assertArrayEquals(new int[]{1, 201, 401, 601, 801}, DdimSpacing.UNIFORM.timesteps(5, 1000));
        int[] t200 = DdimSpacing.UNIFORM.timesteps(200, 1000);
        assertEquals(200, t200.length);
        assertEquals(1, t200[0]);
        assertEquals(996, t200[199]);
        assertEquals(167, DdimSpacing.UNIFORM.timesteps(150, 1000).length, "LDM: range(0, 1000, 6) has 167 entries");
        for (int bad : new int[]{300, 333, 501, 1000}) {
            var e = assertThrows(IllegalArgumentException.class, () -> DdimSpacing.UNIFORM.timesteps(bad, 1000));
            assertTrue(e.getMessage().contains("linspace"), e.getMessage());
        }
        assertEquals(500, DdimSpacing.UNIFORM.timesteps(500, 1000).length);
        assertArrayEquals(new int[]{0, 500, 999}, DdimSpacing.LINSPACE.timesteps(3, 1000));
        assertArrayEquals(new int[]{1, 201, 801}, DdimSpacing.QUAD.timesteps(3, 1000), "numpy: int(linspace(0, sqrt(800), 3)**2) + 1");
        assertArrayEquals(new int[]{1, 6, 21, 46, 81}, DdimSpacing.QUAD.timesteps(5, 100));
        assertThrows(IllegalArgumentException.class, () -> DdimSpacing.QUAD.timesteps(10, 100), "repeats timestep 1");
        var s = new DdimSampler(diffusion(Parameterization.EPS), DdimConfig.of(5, 1));
        assertEquals(0.0, s.sigmas()[0], "the last step lands on abar = 1 with no noise");
        assertEquals(1.0, s.alphasPrev()[0]);
    }

    @Test
    void sigmaFollowsTheDdimFormula() {
        GaussianDiffusion d = diffusion(Parameterization.EPS);
        var s = new DdimSampler(d, DdimConfig.ldm(50, 0.5));
        double[] abar = d.schedule().alphasCumprod();
        int[] ts = s.timesteps();
        for (int i = 1; i < ts.length; i++) {
            double a = abar[ts[i]], ap = abar[ts[i - 1]];
            assertEquals(0.5 * Math.sqrt((1 - ap) / (1 - a) * (1 - a / ap)), s.sigmas()[i], 1e-15);
        }
        assertEquals(abar[0], s.alphasPrev()[0]);
    }

    /** x -> A x + B (+ N(0, V)) per step, for Gaussian data with the exact model. */
    private record Affine(double a, double b, double v) {
        Affine then(Affine next) {
            return new Affine(next.a * a, next.a * b + next.b, next.a * next.a * v + next.v);
        }
    }

    /** x0^ and eps^ of the exact Gaussian-data model at abar a, as affine maps of x. */
    private static double[] x0EpsCoefficients(double a, double mu, double s) {
        double k = Math.sqrt(1 - a) / (a * s * s + 1 - a);
        double ax0 = (1 - Math.sqrt(1 - a) * k) / Math.sqrt(a), bx0 = Math.sqrt(1 - a) * k * mu;
        return new double[]{ax0, bx0, k, -k * Math.sqrt(a) * mu};
    }

    private static Affine ddimChain(DdimSampler sampler, double mu, double s) {
        double[] a = sampler.alphas(), ap = sampler.alphasPrev(), sig = sampler.sigmas();
        Affine m = new Affine(1, 0, 0);
        for (int i = a.length - 1; i >= 0; i--) {
            double[] c = x0EpsCoefficients(a[i], mu, s);
            double dir = Math.sqrt(1 - ap[i] - sig[i] * sig[i]);
            m = m.then(new Affine(Math.sqrt(ap[i]) * c[0] + dir * c[2], Math.sqrt(ap[i]) * c[1] + dir * c[3], sig[i] * sig[i]));
        }
        return m;
    }

    @Test
    void deterministicDdimOnGaussianDataEqualsTheComposedAffineSteps() {
        // With x0 ~ N(mu, s^2) every eta = 0 step is affine in x: the sampler must equal the composition exactly.
        GaussianDiffusion d = diffusion(Parameterization.V);
        for (DdimConfig cfg : new DdimConfig[]{DdimConfig.of(100, 0), DdimConfig.ldm(20, 0)}) {
            var sampler = new DdimSampler(d, cfg);
            INDArray xT = new SeededNoise(12).gaussian(DataType.DOUBLE, SHAPE);
            Affine m = ddimChain(sampler, 0.5, 0.3);
            INDArray want = xT.mul(m.a()).addi(m.b());
            INDArray got = sampler.sample(gaussian(d, 0.5, 0.3), xT, new SeededNoise(0));
            assertTrue(maxAbs(got, want) < 1e-10, cfg + ": error " + maxAbs(got, want));
        }
    }

    @Test
    void stochasticSamplersOnGaussianDataHaveTheComposedMoments() {
        // eta = 1 DDIM and ancestral DDPM: x -> A x + B + N(0, V) per step; the sample moments must match.
        long[] shape = {250, 1, 4, 4};
        double n = 4_000;
        GaussianDiffusion d = diffusion(Parameterization.EPS);
        var sampler = new DdimSampler(d, DdimConfig.of(50, 1));
        Affine m = ddimChain(sampler, 0.5, 0.3);
        INDArray x = sampler.sample(gaussian(d, 0.5, 0.3), DataType.DOUBLE, shape, 11);
        assertMoments(x, m.b(), m.a() * m.a() + m.v(), n);

        GaussianDiffusion d100 = new GaussianDiffusion(new DiffusionConfig(SHORT, Parameterization.EPS, LossType.L1));
        double[] abar = d100.schedule().alphasCumprod(), c1 = d100.schedule().posteriorMeanCoef1(),
                c2 = d100.schedule().posteriorMeanCoef2(), pv = d100.schedule().posteriorVariance();
        Affine chain = new Affine(1, 0, 0);
        for (int t = 99; t >= 0; t--) {
            double[] c = x0EpsCoefficients(abar[t], -0.4, 0.3);
            chain = chain.then(new Affine(c1[t] * c[0] + c2[t], c1[t] * c[1], t == 0 ? 0 : pv[t]));
        }
        INDArray g = new DdpmSampler(d100, Double.POSITIVE_INFINITY).sample(gaussian(d100, -0.4, 0.3), DataType.DOUBLE, shape, 4);
        assertMoments(g, chain.b(), chain.a() * chain.a() + chain.v(), n);
        assertEquals(-0.4, chain.b(), 0.05, "the exact DDPM chain ends near the data mean");
    }

    private static void assertMoments(INDArray x, double mean, double var, double n) {
        assertEquals(mean, x.meanNumber().doubleValue(), 5 * Math.sqrt(var / n), "mean");
        assertEquals(var, x.varNumber().doubleValue(), 5 * var * Math.sqrt(2 / n), "variance");
    }

    @Test
    void inversionThenDeterministicSamplingReconstructs() {
        for (Parameterization p : Parameterization.values()) {
            GaussianDiffusion d = diffusion(p);
            // One-point data: inversion gives x_T = sqrt(a_top) x* + sqrt(1 - a_top) eps(x*, 0) and sampling returns x*.
            INDArray xStar = new SeededNoise(5).gaussian(DataType.DOUBLE, SHAPE);
            var sampler = new DdimSampler(d, DdimConfig.of(20, 0));
            INDArray xT = sampler.invert(onePoint(d, xStar), xStar);
            double a0 = d.schedule().alphasCumprod()[0], aTop = sampler.alphas()[sampler.steps() - 1];
            INDArray e0 = xStar.mul((1 - Math.sqrt(a0)) / Math.sqrt(1 - a0));
            assertTrue(maxAbs(xT, xStar.mul(Math.sqrt(aTop)).addi(e0.mul(Math.sqrt(1 - aTop)))) < 1e-9, p.toString());
            assertTrue(maxAbs(sampler.sample(onePoint(d, xStar), xT, new SeededNoise(0)), xStar) < 1e-6, p.toString());
        }
        // Gaussian data: inversion is the composition of affine steps (model at the current state's timestep,
        // the clean image at timestep 0), and the round trip error shrinks with the step count.
        GaussianDiffusion d = diffusion(Parameterization.EPS);
        double mu = 0.2, s = 0.5;
        Denoiser model = gaussian(d, mu, s);
        double[] abar = d.schedule().alphasCumprod();
        INDArray x0 = new SeededNoise(6).gaussian(DataType.DOUBLE, SHAPE).muli(s).addi(mu);
        double previous = Double.POSITIVE_INFINITY;
        for (int steps : new int[]{10, 40, 160}) {
            var sampler = new DdimSampler(d, DdimConfig.of(steps, 0));
            int[] ts = sampler.timesteps();
            Affine inv = new Affine(1, 0, 0);
            for (int i = 0; i < ts.length; i++) {
                double[] c = x0EpsCoefficients(abar[i == 0 ? 0 : ts[i - 1]], mu, s);
                double an = abar[ts[i]];
                inv = inv.then(new Affine(Math.sqrt(an) * c[0] + Math.sqrt(1 - an) * c[2], Math.sqrt(an) * c[1] + Math.sqrt(1 - an) * c[3], 0));
            }
            INDArray xT = sampler.invert(model, x0);
            assertTrue(maxAbs(xT, x0.mul(inv.a()).addi(inv.b())) < 1e-10, steps + " steps: inversion is not the affine composition");
            double err = maxAbs(sampler.sample(model, xT, new SeededNoise(0)), x0);
            assertTrue(err < previous, steps + " steps: error " + err + " not below " + previous);
            previous = err;
        }
        assertTrue(previous < 0.1, "160-step round trip error " + previous);
    }

    @Test
    void sameSeedSameSamplesOtherSeedOtherSamples() {
        GaussianDiffusion d = diffusion(Parameterization.EPS);
        Denoiser model = gaussian(d, 0, 0.5);
        var sampler = new DdimSampler(d, DdimConfig.of(20, 1));
        INDArray a = sampler.sample(model, DataType.FLOAT, SHAPE, 123);
        INDArray b = sampler.sample(model, DataType.FLOAT, SHAPE, 123);
        INDArray c = sampler.sample(model, DataType.FLOAT, SHAPE, 124);
        assertEquals(DataType.FLOAT, a.dataType());
        assertEquals(a, b);
        assertNotEquals(a, c);
        var d100 = new GaussianDiffusion(new DiffusionConfig(SHORT, Parameterization.EPS, LossType.L1));
        var ddpm = new DdpmSampler(d100, Double.POSITIVE_INFINITY);
        Denoiser m100 = gaussian(d100, 0, 0.5);
        INDArray e = ddpm.sample(m100, DataType.FLOAT, SHAPE, 9);
        assertEquals(e, ddpm.sample(m100, DataType.FLOAT, SHAPE, 9));
        assertNotEquals(e, ddpm.sample(m100, DataType.FLOAT, SHAPE, 10));
    }

    @Test
    void ddpmAncestralSamplingRecoversTheDataPointAndClips() {
        var d = new GaussianDiffusion(new DiffusionConfig(SHORT, Parameterization.EPS, LossType.L1));
        INDArray xStar = new SeededNoise(8).gaussian(DataType.DOUBLE, SHAPE);
        INDArray x = new DdpmSampler(d, Double.POSITIVE_INFINITY).sample(onePoint(d, xStar), DataType.DOUBLE, SHAPE, 3);
        assertTrue(maxAbs(x, xStar) < 1e-9, "the t = 0 step returns the predicted x0");
        INDArray far = Nd4j.valueArrayOf(SHAPE, 3.0, DataType.DOUBLE);
        INDArray clipped = new DdpmSampler(d, 1.0).sample(onePoint(d, far), DataType.DOUBLE, SHAPE, 3);
        assertEquals(1.0, clipped.maxNumber().doubleValue(), 1e-9);
        assertEquals(1.0, clipped.minNumber().doubleValue(), 1e-9);
    }
}
