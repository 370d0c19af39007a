package org.factorlab.disdiff;

import org.factorlab.nn.CompiledGraph;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.factorlab.ddpm.DdpmConfig;
import org.factorlab.ddpm.DdpmFamily;
import org.factorlab.ddpm.DdpmModel;
import org.factorlab.diffusion.DiffusionSchedule;
import org.factorlab.diffusion.GaussianDiffusion;
import org.factorlab.model.Families;
import org.factorlab.model.Parents;
import org.factorlab.nn.GradientCheck;
import org.factorlab.provenance.Provenance;
import org.factorlab.train.Checkpoint;
import org.factorlab.train.TrainingSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** DisDiff's pieces against their definitions: coefficients, frozen parent, G at zero, the losses and their gradients. */
class DisDiffTest {
    private static Path dir;
    private static Path parent;

    @BeforeAll
    static void writeParent() throws Exception {
        dir = Files.createTempDirectory("disdiff-test");
        parent = TinyDisDiff.writeParent(dir);
    }

    private static String effective(String yaml) {
        return Families.get(DisDiffFamily.NAME).effectiveConfig(yaml, List.of(), "tiny disdiff");
    }

    private static Parents parents(String eff) {
        return Parents.load(Families.get(DisDiffFamily.NAME).parents(eff), uri -> Files.readAllBytes(Path.of(uri)));
    }

    private static DisDiffSession open(String eff, long seed) {
        return (DisDiffSession) Families.get(DisDiffFamily.NAME).open(eff, seed, parents(eff));
    }

    @Test
    void coefficientsMatchTheirClosedForms() {
        DisDiffConfig c = DisDiffConfig.parse(TinyDisDiff.yaml(parent), "t");
        DiffusionSchedule s = new DiffusionSchedule(c.diffusion().schedule());
        DisDiffCoefficients k = new DisDiffCoefficients(s);
        // linear schedule by hand: beta_t = (sqrt(0.0015) + t (sqrt(0.0155) - sqrt(0.0015)) / 999)^2
        double abar = 1;
        for (int t = 0; t < 1000; t++) {
            double r = Math.sqrt(0.0015) + t * (Math.sqrt(0.0155) - Math.sqrt(0.0015)) / 999;
            double alpha = 1 - r * r, prev = abar;
            abar *= alpha;
            assertEquals(-Math.sqrt(alpha) * (1 - prev) / Math.sqrt(1 - abar), k.shift(t), 1e-12, "shift_coef at " + t);
            assertEquals(-Math.sqrt(1 - abar), k.ddim(t), 1e-12, "ddim_coef at " + t);
        }
        assertEquals(0.0, k.shift(0), 0.0, "abar_{-1} = 1: no shift at t = 0");
    }

    @Test
    void withGAtZeroEpsIsTheParentsAndFrozenParametersStayBitIdentical() throws Exception {
        String eff = effective(TinyDisDiff.yaml(parent));
        Checkpoint pc;
        try (var in = Files.newInputStream(parent)) {
            pc = Checkpoint.read(in, parent.toString());
        }
        DdpmModel ddpm = DdpmModel.fromCheckpoint(pc, "parent");
        DisDiffConfig cfg = DisDiffConfig.parse(eff, "t");
        try (DisDiffSession s = open(eff, 1)) {
            Map<String, INDArray> unet = DisDiffFamily.parentUnet(cfg, parents(eff), "t");
            DisDiffModel m = new DisDiffModel(cfg, s.state().parameters(), unet);
            INDArray x = TinyDisDiff.batch(0).images();
            int[] t = {5, 400, 999, 0};
            INDArray want = ddpm.predict(x, t);
            assertTrue(want.amaxNumber().doubleValue() > 0, "the parent must predict something");
            INDArray got = m.eps(x, t, m.encoder().encode(x), Nd4j.ones(DataType.FLOAT, 4, 3));
            assertEquals(0.0, got.sub(want).amaxNumber().doubleValue(), 1e-6);

            assertFalse(s.parameters().keySet().stream().anyMatch(k -> k.startsWith("unet/") || k.startsWith("enc_eval/")),
                    "frozen and copied parameters are not state: " + s.parameters().keySet());
            for (int i = 0; i < 3; i++) {
                INDArray encBefore = s.parameters().get("enc/conv0/weight").dup();
                s.step(TinyDisDiff.batch(i));
                assertEquals(encBefore, s.graphArray("enc_eval/conv0/weight"), "E' is the encoder at the start of the step");
                // G's zero-initialised output convs pass no gradient to its condition at first; from step 2 the encoder learns
                if (i == 2) assertFalse(encBefore.equals(s.parameters().get("enc/conv0/weight")), "the encoder trains");
            }
            for (var e : unet.entrySet()) assertEquals(e.getValue(), s.graphArray(e.getKey()), e.getKey() + " must stay bit-identical");
        }
    }

    @Test
    void unitTraversalMovesOneUnitAlongItsPrincipalDirection() throws Exception {
        String eff = effective(TinyDisDiff.yaml(parent));
        DisDiffConfig cfg = DisDiffConfig.parse(eff, "t");
        try (DisDiffSession s = open(eff, 1)) {
            s.step(TinyDisDiff.batch(0));
            s.step(TinyDisDiff.batch(1)); // G no longer 0: the code matters to the decoder
            DisDiffModel m = new DisDiffModel(cfg, s.state().parameters(), DisDiffFamily.parentUnet(cfg, parents(eff), "t"));
            INDArray x = Nd4j.concat(0, TinyDisDiff.batch(2).images(), TinyDisDiff.batch(3).images());
            INDArray codes = m.encoder().encode(x);
            double[] probs = {0.05, 0.5, 0.95};
            var plan = org.factorlab.metrics.UnitPca.traversals(codes.castTo(DataType.DOUBLE).toDoubleMatrix(), 4, probs);
            assertEquals(3, plan.size(), "one traversal per unit");
            var t = plan.get(1);
            INDArray image = x.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 1)).dup();
            INDArray code = m.encoder().encode(image);
            INDArray moved = org.factorlab.model.Decoding.unitTraversedCodes(code, 1, t.mean(), t.direction(), t.values());
            double norm = 0;
            for (double v : t.direction()) norm += v * v;
            assertEquals(1, norm, 1e-9, "a unit-norm direction");
            double p0 = 0;
            for (int j = 0; j < 4; j++) p0 += (code.getDouble(0, 4 + j) - t.mean()[j]) * t.direction()[j];
            for (int v = 0; v < probs.length; v++) {
                double p = 0;
                for (int j = 0; j < 4; j++) p += (moved.getDouble(v, 4 + j) - t.mean()[j]) * t.direction()[j];
                assertEquals(t.values()[v], p, 1e-5, "unit 1's projection takes the quantile");
                for (int j = 0; j < 4; j++) { // off the direction the unit is kept
                    double before = code.getDouble(0, 4 + j) - p0 * t.direction()[j];
                    double after = moved.getDouble(v, 4 + j) - p * t.direction()[j];
                    assertEquals(before, after, 1e-5);
                }
                for (int e : new int[]{0, 1, 2, 3, 8, 9, 10, 11}) assertEquals(code.getDouble(0, e), moved.getDouble(v, e), 0.0, "other units kept");
            }
            assertTrue(t.values()[0] < t.values()[1] && t.values()[1] < t.values()[2], java.util.Arrays.toString(t.values()));
            var o = new org.factorlab.model.Decoding.Options(org.factorlab.diffusion.DdimConfig.of(4, 0), org.factorlab.model.Decoding.Start.NOISE, 5);
            INDArray row = m.traverseUnit(image, 1, t.mean(), t.direction(), t.values(), o);
            assertEquals(List.of(3L, 3L, 8L, 8L), java.util.Arrays.stream(row.shape()).boxed().toList());
            INDArray xT = new org.factorlab.diffusion.SeededNoise(5).gaussian(DataType.FLOAT, 1, 3, 8, 8);
            INDArray want = m.decode(moved, Nd4j.ones(DataType.FLOAT, 3, 3), Nd4j.concat(0, xT, xT, xT), o.ddim(), 5);
            assertEquals(want, row, "the moved codes, decoded with every unit from the image's start");
            assertFalse(row.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).equals(row.get(org.nd4j.linalg.indexing.NDArrayIndex.point(2))),
                    "moving the unit changes the picture");
        }
    }

    @Test
    void disentanglingLossOnAHandComputedCase() {
        SameDiff sd = SameDiff.create();
        // one sample, N = 2 units of d = 2, sampled unit c = 1
        double[][] zHat = {{1, 0}, {0, 2}}, zNew = {{1, 1}, {3, 2}}, z = {{0, 0}, {0, 0}};
        SDVariable[] ce = DisDiffGraph.disentangling(sd.constant(Nd4j.create(new double[][][]{zHat})), sd.constant(Nd4j.create(new double[][][]{zNew})),
                sd.constant(Nd4j.create(new double[][][]{z})), sd.constant(Nd4j.create(new double[][]{{0, 1}})));
        // variant logits: ||zHat^k - z^k|| - ||zNew^k - z^k|| = [1 - sqrt2, 2 - sqrt13]; invariant: ||zHat^k - zNew^k|| = [1, 3]
        double[] v = {1 - Math.sqrt(2), 2 - Math.sqrt(13)}, inv = {1, 3};
        double wantV = Math.log(Math.exp(v[0]) + Math.exp(v[1])) - v[1];
        double wantI = Math.log(Math.exp(inv[0]) + Math.exp(inv[1])) - inv[1];
        assertEquals(wantV, ce[0].eval().getDouble(0), 1e-9);
        assertEquals(wantI, ce[1].eval().getDouble(0), 1e-9);
    }

    /** The raw double training graph with every parameter random (so that G is not 0) and one step's placeholders. */
    private record Raw(SameDiff sd, Map<String, INDArray> feed) {
    }

    private static Raw raw(String yaml, boolean stopGradientInputs) {
        DisDiffConfig cfg = DisDiffConfig.parse(yaml, "t");
        SameDiff sd = DisDiffGraph.training(cfg, DataType.DOUBLE, 4, stopGradientInputs).sd();
        GradientCheck.randomize(sd, 0.3, 17);
        for (String v : GradientCheck.trainable(sd)) // E' reads running variances: keep them positive
            if (v.endsWith("/running_var")) sd.getArrForVarName(v).assign(org.nd4j.linalg.ops.transforms.Transforms.abs(sd.getArrForVarName(v)).addi(0.5));
        GaussianDiffusion diffusion = new GaussianDiffusion(cfg.diffusion());
        INDArray x0 = TinyDisDiff.batch(2).images().get(org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 2)).castTo(DataType.DOUBLE);
        Map<String, INDArray> feed = new LinkedHashMap<>(DisDiffSession.placeholders(cfg, diffusion, new DisDiffCoefficients(diffusion.schedule()),
                x0, 99, sd.getArrForVarName(DisDiffGraph.PART_LATENTS), DataType.DOUBLE));
        // mid-range timesteps, so that every term is of order one
        int[] t = {300, 600};
        DisDiffCoefficients k = new DisDiffCoefficients(diffusion.schedule());
        INDArray noise = feed.get(DisDiffGraph.NOISE);
        feed.put(DisDiffGraph.T, GaussianDiffusion.timestepArray(t, DataType.DOUBLE));
        feed.put(DisDiffGraph.XT, diffusion.qSample(x0, t, noise));
        feed.put(DisDiffGraph.SHIFT_COEF, k.shift(t, DataType.DOUBLE));
        feed.put(DisDiffGraph.DDIM_COEF, k.ddim(t, DataType.DOUBLE));
        feed.put(DisDiffGraph.SQRT_RECIP, k.sqrtRecip(t, DataType.DOUBLE));
        feed.put(DisDiffGraph.SQRT_RECIPM1, k.sqrtRecipm1(t, DataType.DOUBLE));
        return new Raw(sd, feed);
    }

    private static List<String> trainedVariables(SameDiff sd, String... prefixes) {
        List<String> out = new ArrayList<>();
        for (String v : GradientCheck.trainable(sd)) for (String p : prefixes) if (v.startsWith(p + "/")) out.add(v);
        return out;
    }

    @Test
    void noGradientReachesTheEncoderThroughItsCopy() {
        Raw r = raw(TinyDisDiff.yaml(parent) + "disentangle: {detachCondition: true}\n", false);
        SameDiff sd = r.sd();
        sd.getVariable(DisDiffGraph.DIS_VARIANT).add(sd.getVariable(DisDiffGraph.DIS_INVARIANT)).rename("dis");
        sd.setLossVariables("dis");
        List<String> enc = trainedVariables(sd, DisDiffGraph.ENCODER_SCOPE), g = trainedVariables(sd, DisDiffGraph.G_SCOPE);
        List<String> all = new ArrayList<>(enc);
        all.addAll(g);
        all.addAll(trainedVariables(sd, DisDiffGraph.ENCODER_COPY_SCOPE));
        Map<String, INDArray> grads = CompiledGraph.gradients(sd, List.of("dis"), all).run(r.feed());
        assertTrue(grads.get("dis").getDouble(0) > 0, "the disentangling loss must be active");
        for (String v : enc) assertEquals(0.0, grads.get(v).amaxNumber().doubleValue(), 0.0, v + " gets gradient from the disentangling loss");
        assertTrue(g.stream().anyMatch(v -> grads.get(v).amaxNumber().doubleValue() > 0), "G learns from the disentangling loss");
        assertTrue(trainedVariables(sd, DisDiffGraph.ENCODER_COPY_SCOPE).stream().anyMatch(v -> grads.get(v).amaxNumber().doubleValue() > 0),
                "the copy is on the loss's path (so the zero above is not vacuous)");
    }

    @Test
    void wholeLossGradientMatchesFiniteDifferences() {
        String yaml = TinyDisDiff.yaml(parent) + "disentangle: {weight: 1.0}\n";
        Raw ref = raw(yaml, false);
        Map<String, INDArray> values = CompiledGraph.outputs(ref.sd(), List.of(DisDiffGraph.DIS_WEIGHT, DisDiffGraph.CODE, DisDiffGraph.TOTAL,
                DisDiffGraph.DIS_VARIANT)).run(ref.feed());
        assertTrue(values.get(DisDiffGraph.DIS_VARIANT).getDouble(0) > 0, "the disentangling term must be active: " + values);
        Raw r = raw(yaml, true);
        Map<String, INDArray> feed = new LinkedHashMap<>(r.feed());
        feed.put(DisDiffGraph.WEIGHT_IN, values.get(DisDiffGraph.DIS_WEIGHT));
        feed.put(DisDiffGraph.CODE_TARGET_IN, values.get(DisDiffGraph.CODE));
        double total = CompiledGraph.outputs(r.sd(), List.of(DisDiffGraph.TOTAL)).run(feed).get(DisDiffGraph.TOTAL).getDouble(0);
        assertEquals(values.get(DisDiffGraph.TOTAL).getDouble(0), total, 1e-12, "the checked graph is the training loss");
        List<String> vars = new ArrayList<>();
        List<String> candidates = trainedVariables(r.sd(), DisDiffGraph.ENCODER_SCOPE, DisDiffGraph.G_SCOPE, DisDiffGraph.COND_SCOPE, DisDiffGraph.PART_SCOPE);
        for (int i = 0; i < candidates.size(); i++) if (i % 6 == 0 || candidates.get(i).equals(DisDiffGraph.PART_LATENTS)) vars.add(candidates.get(i));
        var result = GradientCheck.check(r.sd(), DisDiffGraph.TOTAL, feed, vars, 2, 1e-6, 1e-4, 1e-9, 5);
        assertTrue(result.passed(), result.toString());
    }

    @Test
    void badInputNamesTheKeyAndTheFile(@TempDir Path tmp) throws Exception {
        var f = Families.get(DisDiffFamily.NAME);
        // a parent that is not a ddpm
        String tinyEff = Families.get("tiny").effectiveConfig("image: {height: 8, width: 8, channels: 3}\nhidden: 4\n", List.of(), "tiny");
        Path notDdpm = tmp.resolve("tiny.zip");
        try (TrainingSession s = Families.open("tiny", tinyEff, 0)) {
            Files.write(notDdpm, new Checkpoint("tiny", s.state(), Map.of(), Provenance.of("tiny", tinyEff, 0, "none")).toBytes());
        }
        String e1 = assertThrows(IllegalArgumentException.class, () -> parents(effective(TinyDisDiff.yaml(notDdpm)))).getMessage();
        assertTrue(e1.contains("pretrained.checkpoint") && e1.contains(notDdpm.toString()) && e1.contains("ddpm"), e1);
        // a ddpm parent with another U-Net
        String wide = Families.get(DdpmFamily.NAME).effectiveConfig(TinyDisDiff.PARENT_YAML + "\n", List.of("model.unet.modelChannels=16"), "p");
        Path other = tmp.resolve("wide.zip");
        try (TrainingSession s = Families.open(DdpmFamily.NAME, wide, 0)) {
            Files.write(other, new Checkpoint(DdpmFamily.NAME, s.state(), Map.of(), Provenance.of(DdpmFamily.NAME, wide, 0, "none")).toBytes());
        }
        String eff = effective(TinyDisDiff.yaml(other));
        String e2 = assertThrows(IllegalArgumentException.class, () -> f.open(eff, 0, parents(eff))).getMessage();
        assertTrue(e2.contains("pretrained.checkpoint") && e2.contains("model.unet.modelChannels") && e2.contains(other.toString()), e2);
        // latentUnit * unitDim against the encoder's output
        String e3 = assertThrows(IllegalArgumentException.class,
                () -> f.effectiveConfig(TinyDisDiff.yaml(parent), List.of("model.unitDim=5"), "my.yaml")).getMessage();
        assertTrue(e3.contains("model.encoder.outDim") && e3.contains("model.unitDim") && e3.contains("my.yaml"), e3);
        // a missing parent file
        Path missing = tmp.resolve("nothing-here.zip");
        String e4 = assertThrows(IllegalArgumentException.class, () -> parents(effective(TinyDisDiff.yaml(missing)))).getMessage();
        assertTrue(e4.contains("pretrained.checkpoint") && e4.contains(missing.toString()), e4);
        // no parent at all
        String e5 = assertThrows(IllegalArgumentException.class, () -> f.parents(effective(TinyDisDiff.YAML))).getMessage();
        assertTrue(e5.contains("pretrained.checkpoint"), e5);
        assertTrue(DdpmConfig.parse(TinyDisDiff.PARENT_YAML, "p").model().imageSize() == 8);
    }
}
