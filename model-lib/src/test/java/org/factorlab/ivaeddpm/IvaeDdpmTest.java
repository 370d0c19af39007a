package org.factorlab.ivaeddpm;

import org.factorlab.nn.CompiledGraph;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.factorlab.data.Batch;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.ImageShape;
import org.factorlab.diffusion.GaussianDiffusion;
import org.factorlab.model.Families;
import org.factorlab.model.Parents;
import org.factorlab.nn.GradientCheck;
import org.factorlab.nn.Scope;
import org.factorlab.train.Checkpoint;
import org.factorlab.train.TrainingSession;
import org.factorlab.vae.VaeNetworks;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * iVAE+DDPM's terms against their definitions: the conditional prior's closed-form KLs against Monte Carlo, KL
 * balancing's value and gradient split, Gumbel-softmax samples and schedule, a finite-difference check of the whole
 * loss, the frozen parent, and bad input.
 */
class IvaeDdpmTest {
    private static final DataType D = DataType.DOUBLE;
    private static Path parent;

    @BeforeAll
    static void writeParent() throws Exception {
        parent = TinyIvaeDdpm.writeParent(Files.createTempDirectory("ivae-ddpm-test"));
    }

    private static INDArray random(SplittableRandom r, double lo, double hi, long... shape) {
        INDArray a = Nd4j.create(D, shape);
        for (long i = 0; i < a.length(); i++) a.putScalar(i, lo + (hi - lo) * r.nextDouble());
        return a;
    }

    private static double logNormal(double x, double mean, double logVar) {
        double d = x - mean;
        return -0.5 * (d * d * Math.exp(-logVar) + logVar + Math.log(2 * Math.PI));
    }

    /** The conditional prior p(z|u) of random u through its MLPs: 3 examples, 4 latents (the first 2 Gaussian, 1 group of 2 categories). */
    private record Prior(INDArray mean, INDArray logVar) {
    }

    private static Prior prior(long seed) {
        SameDiff sd = SameDiff.create();
        SDVariable u = sd.constant(random(new SplittableRandom(seed), -1, 1, 3, 5));
        VaeNetworks.Gaussian p = VaeNetworks.conditionalPrior(Scope.root(sd, D, seed), u, 5, 4, 8, true);
        GradientCheck.randomize(sd, 0.8, seed);
        Map<String, INDArray> out = sd.output(Map.of(), p.mean().name(), p.logVar().name());
        return new Prior(out.get(p.mean().name()), out.get(p.logVar().name()));
    }

    @Test
    void closedFormKlsOfTheConditionalPriorMatchMonteCarlo() {
        Prior p = prior(5);
        SplittableRandom r = new SplittableRandom(6);
        INDArray qm = random(r, -1, 1, 3, 4), qlv = random(r, -1.5, 0.5, 3, 4);
        SameDiff sd = SameDiff.create();
        var q2 = new IvaeDdpmLosses.Gaussian(sd.constant(qm.getColumns(0, 1)), sd.constant(qlv.getColumns(0, 1)));
        var p2 = new IvaeDdpmLosses.Gaussian(sd.constant(p.mean().getColumns(0, 1)), sd.constant(p.logVar().getColumns(0, 1)));
        INDArray gauss = IvaeDdpmLosses.gaussianKl(q2, p2, false, 0).eval();
        // the last two entries as one categorical group: q's logits from q's means, p's from the prior's means
        INDArray ql = qm.getColumns(2, 3).reshape(3, 1, 2), pl = p.mean().getColumns(2, 3).reshape(3, 1, 2);
        INDArray cat = IvaeDdpmLosses.categoricalKl(sd.constant(ql), sd.constant(pl)).eval();
        int n = 200_000;
        SplittableRandom mc = new SplittableRandom(7);
        for (int b = 0; b < 3; b++) {
            double sum = 0, sumSq = 0, cSum = 0, cSq = 0;
            double q1 = 1 / (1 + Math.exp(ql.getDouble(b, 0, 0) - ql.getDouble(b, 0, 1)));          // q(category 1)
            double p1 = 1 / (1 + Math.exp(pl.getDouble(b, 0, 0) - pl.getDouble(b, 0, 1)));
            for (int k = 0; k < n; k++) {
                double v = 0;
                for (int l = 0; l < 2; l++) {
                    double m = qm.getDouble(b, l), lv = qlv.getDouble(b, l);
                    double z = m + Math.exp(lv / 2) * mc.nextGaussian();
                    v += logNormal(z, m, lv) - logNormal(z, p.mean().getDouble(b, l), p.logVar().getDouble(b, l));
                }
                sum += v;
                sumSq += v * v;
                boolean one = mc.nextDouble() < q1;
                double c = one ? Math.log(q1 / p1) : Math.log((1 - q1) / (1 - p1));
                cSum += c;
                cSq += c * c;
            }
            double mean = sum / n, se = Math.sqrt((sumSq / n - mean * mean) / n);
            assertTrue(Math.abs(gauss.getDouble(b) - mean) < 4 * se, "Gaussian KL " + gauss.getDouble(b) + ", Monte Carlo " + mean + " +- " + se);
            double cMean = cSum / n, cSe = Math.sqrt((cSq / n - cMean * cMean) / n);
            assertTrue(Math.abs(cat.getDouble(b) - cMean) < 4 * cSe, "categorical KL " + cat.getDouble(b) + ", Monte Carlo " + cMean + " +- " + cSe);
            assertTrue(gauss.getDouble(b) > 0.05, "a clearly positive KL, got " + gauss.getDouble(b));
        }
    }

    /** Gradients of {@code sum_b w_b KL_b} with respect to q's and p's parameters. */
    private static Map<String, INDArray> klGradients(boolean categorical, boolean balanced, double alpha, INDArray[] values, INDArray w) {
        SameDiff sd = SameDiff.create();
        SDVariable qm = sd.var("qm", values[0].dup()), qlv = sd.var("qlv", values[1].dup());
        SDVariable pm = sd.var("pm", values[2].dup()), plv = sd.var("plv", values[3].dup());
        SDVariable kl = categorical
                ? IvaeDdpmLosses.categoricalKl(qm.reshape(3, 2, 2), pm.reshape(3, 2, 2), balanced, alpha).add(qlv.sum(1).mul(0)).add(plv.sum(1).mul(0))
                : IvaeDdpmLosses.gaussianKl(new IvaeDdpmLosses.Gaussian(qm, qlv), new IvaeDdpmLosses.Gaussian(pm, plv), balanced, alpha);
        SDVariable loss = kl.mul(sd.constant(w)).sum().rename("loss");
        sd.setLossVariables(loss);
        Map<String, INDArray> g = new java.util.HashMap<>(sd.calculateGradients(Map.of(), "qm", "qlv", "pm", "plv"));
        g.put("value", kl.eval());
        return g;
    }

    @Test
    void klBalancingKeepsTheValueAndSplitsTheGradientByAlpha() {
        SplittableRandom r = new SplittableRandom(11);
        INDArray[] v = {random(r, -1, 1, 3, 4), random(r, -1, 0.5, 3, 4), random(r, -1, 1, 3, 4), random(r, -0.5, 1, 3, 4)};
        INDArray w = random(r, 0.5, 1.5, 3);
        double alpha = 0.8;
        for (boolean categorical : new boolean[]{false, true}) {
            Map<String, INDArray> plain = klGradients(categorical, false, 0, v, w), bal = klGradients(categorical, true, alpha, v, w);
            String what = categorical ? "categorical" : "Gaussian";
            assertTrue(plain.get("value").sub(bal.get("value")).amaxNumber().doubleValue() < 1e-12, what + ": the balanced value is the KL");
            for (String q : List.of("qm", "qlv")) {
                if (categorical && q.equals("qlv")) continue;
                assertTrue(plain.get(q).amaxNumber().doubleValue() > 1e-3, what + " " + q + " has a gradient");
                assertTrue(plain.get(q).mul(1 - alpha).sub(bal.get(q)).amaxNumber().doubleValue() < 1e-12, what + " " + q + ": (1 - alpha) of the gradient");
            }
            for (String p : List.of("pm", "plv")) {
                if (categorical && p.equals("plv")) continue;
                assertTrue(plain.get(p).amaxNumber().doubleValue() > 1e-3, what + " " + p + " has a gradient");
                assertTrue(plain.get(p).mul(alpha).sub(bal.get(p)).amaxNumber().doubleValue() < 1e-12, what + " " + p + ": alpha of the gradient");
            }
        }
    }

    @Test
    void gumbelSoftmaxSamplesLieOnTheSimplexAndTheHardOnesAreOneHotWithTheSoftGradient() {
        SplittableRandom r = new SplittableRandom(13);
        INDArray logits = random(r, -2, 2, 4, 3, 5);
        INDArray g = IvaeDdpmLosses.gumbelNoise(new SplittableRandom(14), D, 4, 3, 5);
        INDArray w = random(r, -1, 1, 4, 3, 5);
        Map<Boolean, INDArray> grads = new java.util.HashMap<>();
        for (boolean hard : new boolean[]{false, true}) {
            SameDiff sd = SameDiff.create();
            SDVariable l = sd.var("l", logits.dup());
            SDVariable y = IvaeDdpmLosses.gumbelSoftmax(l, sd.constant(g), sd.constant(Nd4j.scalar(D, 0.7)), hard);
            INDArray yv = y.eval();
            for (int b = 0; b < 4; b++)
                for (int k = 0; k < 3; k++) {
                    double sum = 0, max = -1;
                    int arg = -1;
                    for (int j = 0; j < 5; j++) {
                        double e = yv.getDouble(b, k, j);
                        assertTrue(e >= 0 && e <= 1, "entry in [0, 1]: " + e);
                        sum += e;
                        double a = logits.getDouble(b, k, j) + g.getDouble(b, k, j);
                        if (a > max || arg < 0) {
                            max = a;
                            arg = j;
                        }
                    }
                    assertEquals(1.0, sum, 1e-12, "on the simplex");
                    if (hard) for (int j = 0; j < 5; j++) assertEquals(j == arg ? 1.0 : 0.0, yv.getDouble(b, k, j), 1e-12, "one-hot at the argmax");
                    else {
                        // softmax((l + g) / tau) by hand
                        double z = 0;
                        for (int j = 0; j < 5; j++) z += Math.exp((logits.getDouble(b, k, j) + g.getDouble(b, k, j)) / 0.7);
                        for (int j = 0; j < 5; j++)
                            assertEquals(Math.exp((logits.getDouble(b, k, j) + g.getDouble(b, k, j)) / 0.7) / z, yv.getDouble(b, k, j), 1e-12);
                    }
                }
            sd.setLossVariables(y.mul(sd.constant(w)).sum().rename("loss"));
            grads.put(hard, sd.calculateGradients(Map.of(), "l").get("l"));
        }
        assertTrue(grads.get(false).amaxNumber().doubleValue() > 1e-3);
        assertTrue(grads.get(false).sub(grads.get(true)).amaxNumber().doubleValue() < 1e-12, "straight-through: the soft sample's gradient");
    }

    @Test
    void gumbelNoiseHasTheGumbelMeanAndTheTemperatureFollowsItsSchedule() {
        INDArray g = IvaeDdpmLosses.gumbelNoise(new SplittableRandom(3), D, 200_000);
        assertEquals(0.5772156649, g.meanNumber().doubleValue(), 0.01, "Gumbel(0, 1) has mean Euler's gamma");
        var t = new IvaeDdpmConfig.Temperature(2.0, 0.5, 1e-3);
        for (long n : new long[]{0, 1, 100, 1000, 1386, 1387, 5000})
            assertEquals(Math.max(0.5, 2.0 * Math.exp(-1e-3 * n)), IvaeDdpmLosses.temperature(t, n), 0.0, "tau at step " + n);
        assertEquals(2.0, IvaeDdpmLosses.temperature(t, 0), 0.0);
        assertEquals(0.5, IvaeDdpmLosses.temperature(t, 100_000), 0.0, "clamped at min");
        // the session feeds the temperature of its step
        IvaeDdpmConfig c = IvaeDdpmConfig.parse(TinyIvaeDdpm.effective(TinyIvaeDdpm.OPTIONS, List.of()), "t");
        Batch b = TinyIvaeDdpm.batch(0);
        INDArray u = IvaeDdpmSession.auxiliary(c).of(b.factors(), DataType.FLOAT);
        var ph = IvaeDdpmSession.placeholders(c, new GaussianDiffusion(c.diffusion()), b.images(), u, 1, 7, DataType.FLOAT);
        assertEquals(Math.max(0.5, Math.exp(-0.1 * 7)), ph.get(IvaeDdpmGraph.TAU).getDouble(0), 1e-6);
        assertEquals(3, ph.get(IvaeDdpmGraph.EPS).size(1), "6 latents minus one group of 3 are Gaussian");
    }

    /**
     * The whole tiny loss in double precision against central differences. Soft Gumbel and no KL balancing: the
     * straight-through and balanced gradients differ from the derivative of the value by design (tested above).
     */
    @Test
    void wholeLossMatchesFiniteDifferences() {
        for (List<String> extra : List.of(List.<String>of(), List.of("model.conditioning=cross_attention", "model.encoderInput=x_u",
                "gumbel.hard=false", "klBalancing.enabled=false"))) {
            String yaml = extra.isEmpty() ? TinyIvaeDdpm.YAML : TinyIvaeDdpm.OPTIONS;
            IvaeDdpmConfig c = IvaeDdpmConfig.parse(TinyIvaeDdpm.effective(yaml, extra), "t");
            int uDim = IvaeDdpmSession.auxiliary(c).dim();
            SameDiff sd = IvaeDdpmGraph.training(c, uDim, D, 3, Map.of()).sd();
            GradientCheck.randomize(sd, 0.3, 19);
            // the iVAE's wide layers at a smaller scale, so that the KL stays of order one and differences resolve
            for (String v : GradientCheck.trainable(sd))
                if (v.startsWith("encoder/") || v.startsWith("decoder/")) sd.getArrForVarName(v).muli(0.1);
            Batch b = TinyIvaeDdpm.batch(2);
            INDArray x0 = b.images().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2)).castTo(D);
            int[][] f = {b.factors()[0], b.factors()[1]};
            INDArray u = IvaeDdpmSession.auxiliary(c).of(f, D);
            var ph = new java.util.LinkedHashMap<>(IvaeDdpmSession.placeholders(c, new GaussianDiffusion(c.diffusion()), x0, u, 5, 3, D));
            ph.put(IvaeDdpmGraph.T, GaussianDiffusion.timestepArray(new int[]{300, 700}, D));
            // a few variables of every network
            List<String> vars = new ArrayList<>();
            for (String prefix : List.of("encoder/", "prior/", "decoder/", "unet/", "tok/")) {
                int k = 0;
                for (String v : GradientCheck.trainable(sd)) if (v.startsWith(prefix) && k++ < 3) vars.add(v);
            }
            assertTrue(vars.size() >= (extra.isEmpty() ? 12 : 15), vars.toString());
            double loss = CompiledGraph.outputs(sd, List.of(IvaeDdpmGraph.OBJECTIVE)).run(ph).get(IvaeDdpmGraph.OBJECTIVE).getDouble(0);
            assertTrue(loss > 0.1 && loss < 100, "a loss of order one: " + loss);
            var res = GradientCheck.check(sd, IvaeDdpmGraph.OBJECTIVE, ph, vars, 1, 1e-6, 1e-3, 1e-8, 23);
            assertTrue(res.passed(), extra + ": " + res);
        }
    }

    @Test
    void frozenParentStaysBitIdenticalAndOnlyTheDdpmTrains() throws Exception {
        String eff = TinyIvaeDdpm.effective(TinyIvaeDdpm.frozen(parent), List.of());
        var f = Families.get(IvaeDdpmFamily.NAME);
        Parents parents = Parents.load(f.parents(eff), uri -> Files.readAllBytes(Path.of(uri)));
        Checkpoint pc;
        try (var in = Files.newInputStream(parent)) {
            pc = Checkpoint.read(in, parent.toString());
        }
        try (IvaeDdpmSession s = (IvaeDdpmSession) f.open(eff, 1, parents)) {
            assertFalse(s.parameters().keySet().stream().anyMatch(k -> IvaeDdpmGraph.ivaeScopes().stream().anyMatch(k::startsWith)),
                    "the frozen iVAE is not state: " + s.parameters().keySet());
            Map<String, INDArray> before = new java.util.HashMap<>();
            for (var e : s.parameters().entrySet()) before.put(e.getKey(), e.getValue().dup());
            for (int i = 0; i < 3; i++) s.step(TinyIvaeDdpm.batch(i));
            int ivaeArrays = 0;
            for (var e : pc.inferenceParameters().entrySet()) {
                assertEquals(e.getValue(), s.graphArray(e.getKey()), e.getKey() + " must stay bit-identical");
                ivaeArrays++;
            }
            assertTrue(ivaeArrays > 10);
            assertTrue(before.entrySet().stream().anyMatch(e -> !e.getValue().equals(s.parameters().get(e.getKey()))), "the DDPM trains");
        }
        // the trained model reads the parent again and encodes as the parent's encoder does
        var m = f.load(new Checkpoint(IvaeDdpmFamily.NAME, f.open(eff, 1, parents).state(), Map.of(),
                org.factorlab.provenance.Provenance.of(IvaeDdpmFamily.NAME, eff, 1, "none")), parents, "t");
        INDArray x = TinyIvaeDdpm.batch(0).images();
        INDArray want = Families.load(pc, "parent").encoder().encode(x);
        assertEquals(want, m.encoder().encode(x));
    }

    @Test
    void badInputIsAnErrorNamingTheKey() {
        var f = Families.get(IvaeDdpmFamily.NAME);
        for (String[] bad : new String[][]{
                {"objective.lambdaKl=-1", "objective.lambdaKl"},
                {"objective.lambdaRec=-0.1", "objective.lambdaRec"},
                {"klBalancing.alpha=1.5", "klBalancing.alpha"},
                {"gumbel.groups=3", "gumbel.groups"},                 // 3 groups of 4 > 6 latents
                {"gumbel.categories=1", "gumbel.categories"},
                {"gumbel.temperature.min=2", "gumbel.temperature.min"},
                {"model.conditioning=none", "model.conditioning"},
                {"diffusion.loss=l1", "diffusion.loss"},
                {"model.imageSize=48", "model.imageSize"}}) {
            var e = assertThrows(IllegalArgumentException.class, () -> f.effectiveConfig(TinyIvaeDdpm.YAML, List.of(bad[0]), "my.yaml"), bad[0]);
            assertTrue(e.getMessage().contains(bad[1]) && e.getMessage().contains("my.yaml"), bad[0] + ": " + e.getMessage());
        }
        // u needs factors: a dataset without them, and a batch without them
        DatasetSpec unlabelled = new DatasetSpec("celeba-like", List.of(), new ImageShape(32, 32, 3));
        var e = assertThrows(IllegalArgumentException.class, () -> f.withData(TinyIvaeDdpm.YAML, unlabelled, "my.yaml"));
        assertTrue(e.getMessage().contains("ivae.u") && e.getMessage().contains("my.yaml"), e.getMessage());
        try (TrainingSession s = f.open(TinyIvaeDdpm.effective(TinyIvaeDdpm.YAML, List.of()), 0)) {
            Batch noLabels = new Batch(TinyIvaeDdpm.batch(0).images(), new int[4][0]);
            var e2 = assertThrows(IllegalArgumentException.class, () -> s.step(noLabels));
            assertTrue(e2.getMessage().contains("ivae.u"), e2.getMessage());
        }
        // a frozen parent of another shape, and options the parent cannot have
        var e3 = assertThrows(IllegalArgumentException.class, () -> {
            String eff = TinyIvaeDdpm.effective(TinyIvaeDdpm.frozen(parent), List.of("model.latents=7"));
            f.open(eff, 0, Parents.load(f.parents(eff), uri -> Files.readAllBytes(Path.of(uri))));
        });
        assertTrue(e3.getMessage().contains("model.latents") && e3.getMessage().contains(IvaeDdpmConfig.PRETRAINED_KEY), e3.getMessage());
        var e4 = assertThrows(IllegalArgumentException.class,
                () -> TinyIvaeDdpm.effective(TinyIvaeDdpm.frozen(parent), List.of("gumbel.groups=1")));
        assertTrue(e4.getMessage().contains("gumbel.groups"), e4.getMessage());
        var e5 = assertThrows(IllegalArgumentException.class, () -> {
            String eff = TinyIvaeDdpm.effective(TinyIvaeDdpm.YAML, List.of("pretrained.checkpoint=/no/such/ivae.zip"));
            Parents.load(f.parents(eff), uri -> Files.readAllBytes(Path.of(uri)));
        });
        assertTrue(e5.getMessage().contains(IvaeDdpmConfig.PRETRAINED_KEY), e5.getMessage());
    }

    @Test
    void encoderWithUReadsTheGridMeanOfU() {
        IvaeDdpmConfig c = IvaeDdpmConfig.parse(TinyIvaeDdpm.effective(TinyIvaeDdpm.YAML, List.of()), "t");
        INDArray mean = IvaeDdpmSession.auxiliary(c).gridMean(D);
        // label_variance: (y - 1/2)^2 / var averaged over the grid is 1 for every factor
        assertEquals(2, mean.size(1));
        for (int j = 0; j < 2; j++) assertEquals(1.0, mean.getDouble(0, j), 1e-12);
        assertNotEquals(0, mean.sumNumber().doubleValue());
    }
}
