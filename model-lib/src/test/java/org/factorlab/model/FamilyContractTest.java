package org.factorlab.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.factorlab.data.Batch;
import org.factorlab.data.BatchSource;
import org.factorlab.train.Checkpoint;
import org.factorlab.train.Losses;
import org.factorlab.train.Trainer;
import org.factorlab.train.TrainingSession;
import org.factorlab.train.TrainingState;
import org.factorlab.provenance.Provenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What every model family promises, in the spirit of diffusers' SchedulerCommonTest: a family's test extends this
 * class and supplies a small config and its batches. Checked: seeded initialisation and first losses, the named
 * losses, {@code state()} through a checkpoint, exact resume (N steps = k steps + checkpoint + N - k steps, bit for
 * bit on CPU), provenance naming the family and the effective config, and the trained model's encoder.
 */
public abstract class FamilyContractTest {
    private static final int STEPS = 3;
    private static final int SPLIT = 1;

    /** The registry name under test. */
    protected abstract String family();

    /** A small config (seconds per step at most). */
    protected abstract String config();

    /** Batch {@code i} of a fixed stream the config accepts. */
    protected abstract Batch batch(int i);

    /** Smooth seeded images {@code [n, channels, size, size]} in [-1, 1] with factor classes drawn from {@code sizes}. */
    protected static Batch images(int i, int n, int channels, int size, int... sizes) {
        SplittableRandom r = new SplittableRandom(7919L * i + 11);
        float[] v = new float[n * channels * size * size];
        int[][] f = new int[n][sizes.length];
        for (int b = 0; b < n; b++) {
            double hue = r.nextDouble(), fx = r.nextDouble() * 0.5, ph = r.nextDouble() * 6;
            for (int c = 0; c < channels; c++)
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++)
                        v[((b * channels + c) * size + y) * size + x] = (float) Math.sin(fx * x + ph + c * hue * 3 + 0.2 * y);
            for (int k = 0; k < sizes.length; k++) f[b][k] = r.nextInt(sizes[k]);
        }
        return new Batch(Nd4j.create(v, new long[]{n, channels, size, size}, DataType.FLOAT), f);
    }

    /** The config as training sees it: the family's effective config. */
    protected String effectiveConfig() {
        return Families.get(family()).effectiveConfig(config(), List.of(), family() + " contract config");
    }

    /** Reads the parent checkpoints a config names (families with parents write them to local files in a @BeforeAll). */
    protected Parents.Reader parentReader() {
        return uri -> Files.readAllBytes(Path.of(uri));
    }

    /** False for families without a representation (an unconditional generator): the encoder checks are skipped. */
    protected boolean hasEncoder() {
        return true;
    }

    private Parents parents() {
        return Parents.load(Families.get(family()).parents(effectiveConfig()), parentReader());
    }

    private TrainingSession open(long seed) {
        return Families.get(family()).open(effectiveConfig(), seed, parents());
    }

    @Test
    void isRegisteredWithItsName() {
        ModelFamily f = Families.get(family());
        assertEquals(family(), f.name());
        assertFalse(f.summary().isBlank());
        assertTrue(Families.names().contains(family()));
    }

    @Test
    void effectiveConfigIsAFixedPointAndRecordsOverrides() {
        ModelFamily f = Families.get(family());
        String eff = effectiveConfig();
        assertEquals(eff, f.effectiveConfig(eff, List.of(), "again"), "parsing an effective config again gives itself");
        String seeded = f.effectiveConfig(config(), List.of("train.seed=5"), "with --set");
        assertEquals(5, f.trainSettings(seeded).seed());
        var ex = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class,
                () -> f.effectiveConfig(config(), List.of("train.noSuchKey=1"), "x.yaml"));
        assertTrue(ex.getMessage().contains("train.noSuchKey"), ex.getMessage());
    }

    @Test
    void sameSeedSameParametersAndLossesOtherSeedDiffers() {
        try (TrainingSession a = open(3); TrainingSession b = open(3); TrainingSession c = open(4)) {
            assertStatesEqual(a.state(), b.state());
            assertNotEquals(flat(a.state()), flat(c.state()), "seed 4 must give other initial parameters");
            Losses la = a.step(batch(0)), lb = b.step(batch(0));
            assertEquals(la, lb);
            assertNotEquals(la.total(), c.step(batch(0)).total());
        }
    }

    @Test
    void stepReportsTheDeclaredNamedLosses() {
        try (TrainingSession s = open(1)) {
            List<String> names = s.lossNames();
            assertTrue(names.contains(Losses.TOTAL), names.toString());
            Losses l = s.step(batch(0));
            assertEquals(names, l.names());
            assertTrue(l.allFinite(), l.toString());
            assertEquals(1, s.state().step());
        }
    }

    @Test
    void resumeThroughACheckpointIsExact() throws Exception {
        List<Losses> want = new ArrayList<>();
        TrainingState end;
        try (TrainingSession full = open(2)) {
            for (int i = 0; i < STEPS; i++) want.add(full.step(batch(i)));
            end = full.state();
        }
        byte[] bytes;
        try (TrainingSession first = open(2)) {
            for (int i = 0; i < SPLIT; i++) assertEquals(want.get(i), first.step(batch(i)));
            bytes = new Checkpoint(family(), first.state(), Map.of(), Provenance.of(family(), effectiveConfig(), 2, "none")).toBytes();
        }
        Checkpoint back = Checkpoint.read(new ByteArrayInputStream(bytes), "contract.zip");
        try (TrainingSession resumed = open(99)) { // another seed: everything must come from the state
            resumed.load(back.state());
            assertEquals(SPLIT, resumed.state().step());
            assertStatesEqual(back.state(), resumed.state());
        }
        try (TrainingSession resumed = open(2)) {
            resumed.load(back.state());
            for (int i = SPLIT; i < STEPS; i++) assertEquals(want.get(i), resumed.step(batch(i)), "resumed step " + i);
            assertStatesEqual(end, resumed.state());
        }
    }

    @Test
    void trainerCheckpointCarriesProvenanceAndOpensAsATrainedModel(@TempDir Path dir) throws Exception {
        String eff = effectiveConfig();
        var opts = new Trainer.Options(family(), eff, 0, 2, 1, 2, 1, 0.9, true, dir, "sha-of-manifest", 0, parents().lineage());
        try (TrainingSession s = open(0)) {
            new Trainer(opts, new java.io.PrintStream(java.io.OutputStream.nullOutputStream())).run(s, new Source());
        }
        Path ckpt = Trainer.newestCheckpoint(dir).orElseThrow();
        Checkpoint c;
        try (var in = Files.newInputStream(ckpt)) {
            c = Checkpoint.read(in, ckpt.toString());
        }
        assertEquals(family(), c.model());
        assertEquals(family(), c.provenance().family());
        assertEquals(eff, c.provenance().configText());
        assertEquals("sha-of-manifest", c.provenance().dataManifestSha256());
        String header = Files.readAllLines(dir.resolve(Trainer.LOSS_CSV)).get(0);
        try (TrainingSession s = open(0)) {
            assertEquals("step," + String.join(",", s.lossNames()) + ",images_per_s", header);
        }
        TrainedModel m = Families.load(c, ckpt.toString(), parentReader());
        assertEquals(family(), m.family());
        if (!hasEncoder()) return;
        Batch b = batch(0);
        INDArray codes = m.encoder().encode(b.images());
        assertEquals(b.size(), codes.size(0));
        assertEquals(m.encoder().codeDim(), codes.size(1));
        INDArray again = Families.encoder(c, ckpt.toString()).encode(b.images());
        assertArrayEquals(codes.castTo(DataType.DOUBLE).ravel().toDoubleVector(), again.castTo(DataType.DOUBLE).ravel().toDoubleVector(), 0.0,
                "the evaluation encoder equals the trained model's");
    }

    private final class Source implements BatchSource {
        private int i;

        @Override
        public Batch next() {
            return batch(i++);
        }

        @Override
        public org.factorlab.data.DatasetSpec spec() {
            return null;
        }

        @Override
        public void close() {
        }
    }

    private static void assertStatesEqual(TrainingState a, TrainingState b) {
        assertEquals(a.step(), b.step());
        assertEquals(a.parameters().keySet(), b.parameters().keySet());
        assertEquals(a.updaterState().keySet(), b.updaterState().keySet());
        for (var e : a.parameters().entrySet()) assertEquals(e.getValue(), b.parameters().get(e.getKey()), e.getKey());
        for (var e : a.updaterState().entrySet()) assertEquals(e.getValue(), b.updaterState().get(e.getKey()), e.getKey());
    }

    private static List<Double> flat(TrainingState s) {
        List<Double> out = new ArrayList<>();
        for (INDArray a : s.parameters().values()) out.add(a.castTo(DataType.DOUBLE).sumNumber().doubleValue());
        return out;
    }
}
