package org.factorlab.encdiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.util.Map;
import org.factorlab.provenance.Provenance;
import org.factorlab.train.Checkpoint;
import org.factorlab.model.Families;
import org.factorlab.train.TrainingSession;
import org.factorlab.train.TrainingState;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;

class EncDiffSessionTest {
    @Test
    void providerIsRegisteredAndSameSeedGivesSameParameters() {
        TrainingSession a = Families.open("encdiff", TinyEncDiff.YAML, 3);
        TrainingSession b = Families.open("encdiff", TinyEncDiff.YAML, 3);
        TrainingSession c = Families.open("encdiff", TinyEncDiff.YAML, 4);
        assertStatesEqual(a.state(), b.state());
        INDArray wa = a.state().parameters().get("enc/conv0/weight");
        assertNotEquals(wa, c.state().parameters().get("enc/conv0/weight"));
    }

    @Test
    void stateLoadRoundTripAndExactResumeThroughCheckpoint() throws Exception {
        EncDiffConfig cfg = TinyEncDiff.config();
        // uninterrupted: 5 steps
        EncDiffSession full = new EncDiffSession(cfg, 11);
        double[] want = new double[5];
        for (int i = 0; i < 5; i++) want[i] = full.step(TinyEncDiff.batch(i, 4)).total();

        // 3 steps, checkpoint to bytes and back, a fresh session continues for 2
        EncDiffSession first = new EncDiffSession(cfg, 11);
        for (int i = 0; i < 3; i++) assertEquals(want[i], first.step(TinyEncDiff.batch(i, 4)).total(), 0.0, "step " + i);
        TrainingState mid = first.state();
        assertEquals(3, mid.step());
        assertTrue(mid.updaterState().containsKey("m/enc/conv0/weight"));
        assertTrue(mid.parameters().containsKey("enc/norm0/running_mean"));
        Checkpoint ck = new Checkpoint("encdiff", mid, Map.of(), Provenance.of(TinyEncDiff.YAML, 11, "none"));
        Checkpoint back = Checkpoint.read(new ByteArrayInputStream(ck.toBytes()), "mem");
        EncDiffSession resumed = new EncDiffSession(cfg, 11);
        resumed.load(back.state());
        assertStatesEqual(mid, resumed.state());
        for (int i = 3; i < 5; i++) assertEquals(want[i], resumed.step(TinyEncDiff.batch(i, 4)).total(), 0.0, "resumed step " + i);
        assertStatesEqual(full.state(), resumed.state());
        // BatchNorm running statistics moved away from their initial (0, 1)
        assertTrue(full.state().parameters().get("enc/norm0/running_mean").amaxNumber().doubleValue() > 0);
    }

    @Test
    void providerReportsTheConfiguredBatchSize() {
        assertEquals(4, Families.get("encdiff").trainSettings(TinyEncDiff.YAML).batchSize());
        assertEquals(64, Families.get("encdiff").trainSettings("").batchSize(), "the paper's default");
    }

    @Test
    void loadRejectsAnotherConfigsState() {
        EncDiffSession s = new EncDiffSession(TinyEncDiff.config(), 1);
        var other = new java.util.LinkedHashMap<>(s.state().parameters());
        other.remove("enc/fc/bias");
        var ex = assertThrows(IllegalArgumentException.class, () -> s.load(new TrainingState(0, other, s.state().updaterState())));
        assertTrue(ex.getMessage().contains("enc/fc/bias"), ex.getMessage());
    }

    @Test
    void lossDecreasesOnAFixedBatchAndEncoderUsesRunningStats() throws Exception {
        EncDiffSession s = new EncDiffSession(TinyEncDiff.config(), 5);
        var batch = TinyEncDiff.batch(0, 4);
        double first = 0, last = 0;
        int n = 30;
        for (int i = 0; i < n; i++) {
            double l = s.step(batch).total();
            if (i < 5) first += l / 5;
            if (i >= n - 5) last += l / 5;
        }
        assertTrue(last < 0.7 * first, "loss did not decrease: first 5 mean " + first + ", last 5 mean " + last);

        Checkpoint ck = new Checkpoint("encdiff", s.state(), Map.of(), Provenance.of(TinyEncDiff.YAML, 5, "none"));
        EncDiffEncoder enc = EncDiffEncoder.fromCheckpoint(ck, "mem");
        INDArray codes = enc.encode(batch.images());
        assertArrayEquals(new long[]{4, 4}, codes.shape());
        assertArrayEquals(new long[]{4, 4, 8}, enc.tokens(batch.images()).shape());
        assertEquals(4, enc.codeDim());
        // eval-mode BatchNorm: an image's code does not depend on the rest of its batch
        INDArray one = enc.encode(batch.images().get(NDArrayIndex.interval(0, 1)).dup());
        assertTrue(one.equalsWithEps(codes.get(NDArrayIndex.interval(0, 1)), 1e-5), one + " vs " + codes);
        assertFalse(codes.isNaN().any() || codes.isInfinite().any());
    }

    @Test
    void configErrorsNameTheField() {
        var unknown = assertThrows(IllegalArgumentException.class,
                () -> EncDiffConfig.parse("model:\n  imageSize: 16\n  encoderr: {}\n", "x.yaml"));
        assertTrue(unknown.getMessage().contains("x.yaml") && unknown.getMessage().contains("encoderr"), unknown.getMessage());
        var bad = assertThrows(IllegalArgumentException.class,
                () -> EncDiffConfig.parse("optimizer:\n  lr: -1\n", "y.yaml"));
        assertTrue(bad.getMessage().contains("y.yaml") && bad.getMessage().contains("optimizer.lr"), bad.getMessage());
        var res = assertThrows(IllegalArgumentException.class,
                () -> EncDiffConfig.parse("model:\n  imageSize: 20\n", "z.yaml"));
        assertTrue(res.getMessage().contains("z.yaml"), res.getMessage());
        var overlap = assertThrows(IllegalArgumentException.class, () -> EncDiffConfig.parse(
                "model:\n  unet: {attentionResolutions: [2, 4], crossAttentionOnlyResolutions: [1, 2]}\n", "o.yaml"));
        assertTrue(overlap.getMessage().contains("o.yaml") && overlap.getMessage().contains("crossAttentionOnlyResolutions"),
                overlap.getMessage());
        var adagn = assertThrows(IllegalArgumentException.class, () -> EncDiffConfig.parse(
                "model:\n  conditioning: adagn\n  unet: {crossAttentionOnlyResolutions: [8]}\n", "a.yaml"));
        assertTrue(adagn.getMessage().contains("a.yaml") && adagn.getMessage().contains("adagn"), adagn.getMessage());
        EncDiffConfig d = EncDiffConfig.parse("", "empty");
        assertEquals(20, d.model().tokens().count());
        assertEquals(64, d.train().batchSize());
    }

    @Test
    void shippedConfigsParse() throws Exception {
        java.nio.file.Path conf = java.nio.file.Path.of("..", "conf");
        int n = 0;
        try (var files = java.nio.file.Files.newDirectoryStream(conf, "encdiff*.yaml")) {
            for (var f : files) {
                EncDiffConfig c = EncDiffConfig.parse(java.nio.file.Files.readString(f), f.toString());
                c.model().unetConfig();
                c.model().encoderConfig();
                n++;
            }
        }
        assertTrue(n >= 4, "found " + n + " encdiff configs in " + conf.toAbsolutePath());
        EncDiffConfig paper = EncDiffConfig.parse(java.nio.file.Files.readString(conf.resolve("encdiff-paper.yaml")), "paper");
        assertEquals(org.factorlab.diffusion.BetaSchedule.COSINE, paper.diffusion().schedule().schedule());
        assertEquals(org.factorlab.diffusion.LossType.MSE, paper.diffusion().loss());
        EncDiffConfig code = EncDiffConfig.parse(java.nio.file.Files.readString(conf.resolve("encdiff-code.yaml")), "code");
        assertEquals(org.factorlab.diffusion.BetaSchedule.LINEAR, code.diffusion().schedule().schedule());
        assertEquals(org.factorlab.diffusion.LossType.L1, code.diffusion().loss());
        assertEquals(org.factorlab.train.optim.OptimizerKind.ADAMW, code.optimizer().kind());
    }

    static void assertStatesEqual(TrainingState a, TrainingState b) {
        assertEquals(a.step(), b.step());
        assertEquals(a.parameters().keySet(), b.parameters().keySet());
        for (var e : a.parameters().entrySet()) assertEquals(e.getValue(), b.parameters().get(e.getKey()), e.getKey());
        assertEquals(a.updaterState().keySet(), b.updaterState().keySet());
        for (var e : a.updaterState().entrySet()) assertEquals(e.getValue(), b.updaterState().get(e.getKey()), e.getKey());
    }
}
