package org.factorlab.train;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.factorlab.data.Batch;
import org.factorlab.data.BatchSource;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.ImageShape;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class TrainerTest {
    /** SGD with momentum fitting w to each batch's pixel mean: a cheap session with parameters and updater state. */
    static final class MeanSession implements TrainingSession {
        INDArray w = Nd4j.zeros(DataType.DOUBLE, 3);
        INDArray mom = Nd4j.zeros(DataType.DOUBLE, 3);
        long step;

        @Override
        public java.util.List<String> lossNames() {
            return java.util.List.of(Losses.TOTAL);
        }

        @Override
        public Losses step(Batch batch) {
            double target = batch.images().meanNumber().doubleValue();
            INDArray diff = w.sub(target);
            double loss = diff.mul(diff).meanNumber().doubleValue();
            mom.muli(0.9).addi(diff.mul(2.0 / 3));
            w.subi(mom.mul(0.1));
            step++;
            return Losses.ofTotal(loss);
        }

        @Override
        public TrainingState state() {
            return new TrainingState(step, Map.of("w", w.dup()), Map.of("mom", mom.dup()));
        }

        @Override
        public void load(TrainingState s) {
            w.assign(s.parameters().get("w"));
            mom.assign(s.updaterState().get("mom"));
            step = s.step();
        }
    }

    /** Batch i is filled with sin(i): deterministic, so a resumed run can skip to the same position. */
    static final class Source implements BatchSource {
        int i;

        @Override
        public DatasetSpec spec() {
            return new DatasetSpec("fake", List.of(), ImageShape.square(2, 1));
        }

        @Override
        public Batch next() {
            INDArray img = Nd4j.valueArrayOf(new long[]{2, 1, 2, 2}, Math.sin(i++), DataType.FLOAT);
            return new Batch(img, new int[2][0]);
        }
    }

    static Trainer.Options opts(Path dir, long steps) {
        return new Trainer.Options("mean", "cfg: 1\n", 1, steps, 2, 2, 2, 0.9, false, dir, "sha", 0);
    }

    static final PrintStream QUIET = new PrintStream(new ByteArrayOutputStream(), true, StandardCharsets.UTF_8);

    @Test
    void checkpointsRotateAndResumeRepeatsTheUninterruptedRun(@TempDir Path tmp) throws Exception {
        Path a = tmp.resolve("a"), b = tmp.resolve("b");
        MeanSession full = new MeanSession();
        ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
        var r = new Trainer(opts(a, 7), new PrintStream(logBytes, true, StandardCharsets.UTF_8)).run(full, new Source());
        assertEquals(7, r.endStep());
        List<Path> kept = Trainer.checkpoints(a);
        assertEquals(List.of("ckpt-000000006.zip", "ckpt-000000007.zip"), kept.stream().map(p -> p.getFileName().toString()).toList());
        String log = logBytes.toString(StandardCharsets.UTF_8);
        assertTrue(log.contains("step 2/7") && log.contains("images/s") && log.contains("ETA"), log);

        // interrupted after 5 steps (checkpoint at 4 is the newest complete one), then resumed to 7
        MeanSession part = new MeanSession();
        new Trainer(opts(b, 5), QUIET).run(part, new Source());
        Files.delete(b.resolve("ckpt-000000005.zip"));        // as if killed before step 5's checkpoint
        MeanSession resumed = new MeanSession();
        var r2 = new Trainer(opts(b, 7), QUIET).run(resumed, new Source());
        assertEquals(4, r2.startStep());
        assertEquals(full.state().parameters().get("w"), resumed.state().parameters().get("w"));
        assertEquals(full.state().updaterState().get("mom"), resumed.state().updaterState().get("mom"));
        assertEquals(losses(a), losses(b));

        Checkpoint ca, cb;
        try (var in = Files.newInputStream(a.resolve("ckpt-000000007.zip"))) { ca = Checkpoint.read(in, "a"); }
        try (var in = Files.newInputStream(b.resolve("ckpt-000000007.zip"))) { cb = Checkpoint.read(in, "b"); }
        assertEquals(ca.ema().get("w"), cb.ema().get("w"));
        assertTrue(!ca.ema().get("w").equals(ca.state().parameters().get("w")), "EMA differs from the raw weights");
        assertEquals("sha", ca.provenance().dataManifestSha256());
        assertEquals(1, ca.provenance().seed());
        try (var files = Files.list(b)) {
            assertTrue(files.noneMatch(p -> p.toString().endsWith(".tmp")));
        }
        var png = javax.imageio.ImageIO.read(b.resolve(Trainer.LOSS_PNG).toFile());
        assertEquals(1, org.factorlab.viz.LossCurves.read(Files.readString(b.resolve(Trainer.LOSS_CSV)), "b", false).size());
        assertTrue(png != null && png.getWidth() > 0, "loss.png is a picture");
    }

    @Test
    void wallTimeLimitStopsWithACheckpointThatResumes(@TempDir Path tmp) throws Exception {
        Path dir = tmp.resolve("w");
        Trainer.Options limited = new Trainer.Options("mean", "cfg: 1\n", 1, 100, 2, 50, 2, 0.9, false, dir, "sha", 1e-9);
        ByteArrayOutputStream logBytes = new ByteArrayOutputStream();
        var r = new Trainer(limited, new PrintStream(logBytes, true, StandardCharsets.UTF_8)).run(new MeanSession(), new Source());
        assertEquals(1, r.endStep(), "the first step already takes longer than the limit");
        assertEquals(List.of("ckpt-000000001.zip"), Trainer.checkpoints(dir).stream().map(p -> p.getFileName().toString()).toList());
        assertTrue(logBytes.toString(StandardCharsets.UTF_8).contains("wall-time limit"));
        var resumed = new Trainer(opts(dir, 3), QUIET).run(new MeanSession(), new Source());
        assertEquals(1, resumed.startStep());
        assertEquals(3, resumed.endStep());
        assertThrows(IllegalArgumentException.class, () -> new Trainer.Options("m", "", 1, 1, 1, 1, 1, 0, false, dir, "s", -1));
    }

    private static List<String> losses(Path dir) throws Exception {
        return Files.readAllLines(dir.resolve(Trainer.LOSS_CSV)).stream()
                .map(l -> l.substring(0, l.lastIndexOf(','))).toList();
    }
}
