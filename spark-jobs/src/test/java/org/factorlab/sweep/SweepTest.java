package org.factorlab.sweep;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.factorlab.evaluate.Reports;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Sweeps of the tiny model on Spark {@code local[2,2]} (two slots; a task may fail once and be retried): the grid, the
 * table against the points' metrics.json, resuming an interrupted sweep, Spark's task retry, points that fail alone,
 * spec changes and random search.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class SweepTest {
    private static final ObjectMapper JSON = new ObjectMapper();
    @TempDir
    static Path tmp;
    private JavaSparkContext sc;
    private SweepRunner.Result reference;
    private Path referenceDir;

    private static final String SPEC = """
            model: tiny
            config: %s
            data: toy:squares?size=6
            budget: {steps: 12}
            seeds: [0, 1]
            grid:
              hidden: [4, 8]
            evaluation: {metrics: "mig,mcc"}
            rank: {metric: mig}
            training: {checkpointEvery: 4, keepCheckpoints: 2, parallelism: 2}
            """;

    @BeforeAll
    void start() throws Exception {
        // the training job's Kryo settings (registration required), as `factorlab sweep` makes its context
        sc = new JavaSparkContext(org.factorlab.spark.TrainJob.withSerialization(
                new SparkConf().setMaster("local[2,2]").setAppName("SweepTest").set("spark.ui.enabled", "false")));
        sc.setLogLevel("WARN");
        referenceDir = tmp.resolve("reference");
        reference = run(spec(""), referenceDir, SweepRunner.Options.defaults(), new StringBuilder());
    }

    @AfterAll
    void stop() {
        if (sc != null) sc.close();
    }

    private String spec(String extraConfig) throws Exception {
        Path config = tmp.resolve("tiny" + Math.abs(extraConfig.hashCode()) + ".yaml");
        Files.writeString(config, "image: {height: 6, width: 6, channels: 3}\nhidden: 8\noptimizer: adam\nlearningRate: 0.01\n" + extraConfig);
        return SPEC.formatted(config);
    }

    private SweepRunner.Result run(String specText, Path dir, SweepRunner.Options options, StringBuilder log) throws Exception {
        var bytes = new ByteArrayOutputStream();
        try (PrintStream out = new PrintStream(bytes, true, StandardCharsets.UTF_8)) {
            return SweepRunner.run(sc, SweepSpec.parse(specText, "sweep.yaml"), specText, "sweep.yaml", dir.toString(), options, out);
        } finally {
            log.append(bytes.toString(StandardCharsets.UTF_8));
        }
    }

    private static Map<String, Double> values(Path pointDir) throws Exception {
        JsonNode n = JSON.readTree(pointDir.resolve(Reports.JSON).toFile());
        var out = new java.util.LinkedHashMap<String, Double>();
        n.path("runs").path(0).path("values").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asDouble()));
        return out;
    }

    @Test
    void gridOfTwoSeedsByTwoConfigsGivesFourRunsAndTwoGroupsFromTheirMetrics() throws Exception {
        assertEquals(4, reference.points().size());
        for (SweepPoint p : reference.points()) {
            Path d = referenceDir.resolve("points").resolve(p.id());
            assertTrue(Files.exists(d.resolve("ckpt-000000012.zip")), p.id());
            assertTrue(Files.exists(d.resolve("codes.npy")), p.id());
            assertEquals(PointOutcome.State.DONE, reference.outcomes().get(p.id()).state());
        }
        List<String> csv = Files.readAllLines(referenceDir.resolve("results.csv"));
        assertEquals(3, csv.size(), "header + 2 groups");
        List<String> header = List.of(csv.get(0).split(","));
        for (String hidden : new String[]{"4", "8"}) {
            String[] row = csv.stream().filter(l -> l.startsWith("hidden=" + hidden + ",")).findFirst().orElseThrow().split(",");
            for (String metric : new String[]{"mig", "mcc"}) {
                var v = new ArrayList<Double>();
                for (long seed : new long[]{0, 1}) v.add(values(referenceDir.resolve("points/hidden-" + hidden + "_seed-" + seed)).get(metric));
                double mean = (v.get(0) + v.get(1)) / 2;
                double std = Math.sqrt(((v.get(0) - mean) * (v.get(0) - mean) + (v.get(1) - mean) * (v.get(1) - mean)) / (2 - 1));
                assertEquals(mean, Double.parseDouble(row[header.indexOf(metric + ".mean")]), 1e-15, metric);
                assertEquals(std, Double.parseDouble(row[header.indexOf(metric + ".std")]), 1e-15, metric);
                assertEquals(2, Integer.parseInt(row[header.indexOf(metric + ".n")]));
                assertEquals(Math.min(v.get(0), v.get(1)), Double.parseDouble(row[header.indexOf(metric + ".min")]));
                assertEquals(Math.max(v.get(0), v.get(1)), Double.parseDouble(row[header.indexOf(metric + ".max")]));
            }
        }
        String md = Files.readString(referenceDir.resolve("results.md"));
        assertTrue(md.contains("| hidden=4 | 2 |") && md.contains("| hidden=8 | 2 |"), md);
        assertTrue(md.contains("±"));
        assertTrue(Files.exists(referenceDir.resolve("plots/metric-mig.png")));
        assertTrue(Files.exists(referenceDir.resolve("plots/loss-total.png")));
        assertTrue(reference.best().contains("Ranked by mig"), reference.best());
        JsonNode sweep = JSON.readTree(referenceDir.resolve("sweep.json").toFile());
        assertEquals("complete", sweep.get("status").asText());
        assertEquals(4, sweep.get("points").size());

        // rerunning trains nothing and says so
        var log = new StringBuilder();
        SweepRunner.Result again = run(spec(""), referenceDir, SweepRunner.Options.defaults(), log);
        assertEquals(0, again.trained());
        assertTrue(log.toString().contains("every point is done"), log.toString());
        assertEquals(String.join("\n", csv) + "\n", Files.readString(referenceDir.resolve("results.csv")));
    }

    @Test
    void anInterruptedSweepResumesAndGivesTheTableOfAnUninterruptedOne() throws Exception {
        Path dir = tmp.resolve("interrupted");
        String victim = "hidden-8_seed-1";
        sc.setLocalProperty(SweepRunner.FAIL_POINT_ONCE, victim + "@8x2"); // both attempts die after the checkpoint at step 8
        var log = new StringBuilder();
        SweepRunner.Result first;
        try {
            first = run(spec(""), dir, SweepRunner.Options.defaults(), log);
        } finally {
            sc.setLocalProperty(SweepRunner.FAIL_POINT_ONCE, null);
        }
        assertEquals(PointOutcome.State.INTERRUPTED, first.outcomes().get(victim).state(), log.toString());
        assertTrue(first.outcomes().get(victim).error().contains("injected failure"), first.outcomes().get(victim).error());
        assertTrue(Files.exists(dir.resolve("points").resolve(victim).resolve("ckpt-000000008.zip")));
        assertEquals(3, first.outcomes().values().stream().filter(o -> o.state() == PointOutcome.State.DONE).count());
        Path doneCkpt = dir.resolve("points/hidden-4_seed-0/ckpt-000000012.zip");
        var before = Files.getLastModifiedTime(doneCkpt);

        var log2 = new StringBuilder();
        SweepRunner.Result second = run(spec(""), dir, SweepRunner.Options.defaults(), log2);
        assertEquals(1, second.trained(), log2.toString());
        assertTrue(log2.toString().contains("3 done, 0 failed, 1 to train (1 resume from their checkpoints)"), log2.toString());
        assertEquals(before, Files.getLastModifiedTime(doneCkpt), "a finished point is not trained again");
        assertTrue(Files.readString(dir.resolve("points").resolve(victim).resolve("train.log")).contains("at step 8"));
        assertEquals(Files.readString(referenceDir.resolve("results.csv")), Files.readString(dir.resolve("results.csv")));
    }

    @Test
    void sparksTaskRetryResumesAPointFromItsNewestCheckpoint() throws Exception {
        Path dir = tmp.resolve("retried");
        sc.setLocalProperty(SweepRunner.FAIL_POINT_ONCE, "hidden-4_seed-0@8"); // once: the retry succeeds
        SweepRunner.Result r;
        try {
            r = run(spec(""), dir, SweepRunner.Options.defaults(), new StringBuilder());
        } finally {
            sc.setLocalProperty(SweepRunner.FAIL_POINT_ONCE, null);
        }
        assertTrue(r.outcomes().values().stream().allMatch(o -> o.state() == PointOutcome.State.DONE));
        String trainLog = Files.readString(dir.resolve("points/hidden-4_seed-0/train.log"));
        assertTrue(trainLog.contains("resuming from") && trainLog.contains("at step 8"), trainLog);
        assertEquals(Files.readString(referenceDir.resolve("results.csv")), Files.readString(dir.resolve("results.csv")));
    }

    @Test
    void stagedPointsTrainLocallyAndMirrorTheirCheckpointsToTheRunDirectory() throws Exception {
        // what a point on HDFS or S3 does, here through Hadoop's API on the local file system
        Path dir = tmp.resolve("staged");
        SweepRunner.Result r = run(spec(""), dir, new SweepRunner.Options(false, Staging.STAGED, 0.05), new StringBuilder());
        assertTrue(r.outcomes().values().stream().allMatch(o -> o.state() == PointOutcome.State.DONE));
        Path p = dir.resolve("points/hidden-8_seed-0");
        assertTrue(Files.exists(p.resolve("ckpt-000000012.zip")) && Files.exists(p.resolve("loss.csv")) && Files.exists(p.resolve("train.log")));
        assertEquals(Files.readString(referenceDir.resolve("points/hidden-8_seed-0/loss.csv")).lines().map(l -> l.substring(0, l.lastIndexOf(','))).toList(),
                Files.readString(p.resolve("loss.csv")).lines().map(l -> l.substring(0, l.lastIndexOf(','))).toList(), "same losses (images/s aside)");
        assertEquals(Files.readString(referenceDir.resolve("results.csv")), Files.readString(dir.resolve("results.csv")));
    }

    @Test
    void averagedModeTrainsEachPointWithParameterAveragingOneAfterAnother() throws Exception {
        Path dir = tmp.resolve("averaged");
        String spec = spec("").replace("seeds: [0, 1]", "seeds: [0]").replace("steps: 12", "steps: 8")
                .replace("parallelism: 2}", "parallelism: 2, mode: averaged, workers: 2, averagingFrequency: 2}");
        var log = new StringBuilder();
        SweepRunner.Result r = run(spec, dir, SweepRunner.Options.defaults(), log);
        assertTrue(r.outcomes().values().stream().allMatch(o -> o.state() == PointOutcome.State.DONE), log.toString());
        for (String id : new String[]{"hidden-4_seed-0", "hidden-8_seed-0"}) {
            Path p = dir.resolve("points").resolve(id);
            assertTrue(Files.exists(p.resolve("checkpoints/round-00000004.ckpt")), id);
            assertTrue(Files.exists(p.resolve("history.csv")) && Files.exists(p.resolve("metrics.json")), id);
            assertEquals(8, r.outcomes().get(id).steps());
        }
        assertTrue(Files.exists(dir.resolve("plots/loss-total.png")));
        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains("| hidden=4 | 1 |") && md.contains("| hidden=8 | 1 |"), md);
        var again = new StringBuilder();
        assertEquals(0, run(spec, dir, SweepRunner.Options.defaults(), again).trained());
        assertTrue(again.toString().contains("every point is done"), again.toString());
    }

    @Test
    void aPointWithABadOverrideOrANanFailsAloneAndIsReported() throws Exception {
        Path dir = tmp.resolve("failing");
        String spec = spec("").replace("hidden: [4, 8]", "hidden: [4, \"abc\", 1]\n  learningRate: [0.05, 1.0e+30]")
                .replace("seeds: [0, 1]", "seeds: [0]").replace("optimizer: adam", "optimizer: sgd");
        spec = spec.replace("config: " + tmp.resolve("tiny" + Math.abs("".hashCode()) + ".yaml"), "config: " + writeSgdConfig());
        var log = new StringBuilder();
        SweepRunner.Result r = run(spec, dir, SweepRunner.Options.defaults(), log);
        var o = r.outcomes();
        assertEquals(PointOutcome.State.DONE, o.get("hidden-4_learningRate-0.05_seed-0").state(), log.toString());
        PointOutcome nan = o.get("hidden-4_learningRate-1.0E30_seed-0");
        assertEquals(PointOutcome.State.FAILED, nan.state(), log.toString());
        assertTrue(nan.error().contains("diverged"), nan.error());
        PointOutcome bad = o.get("hidden-abc_learningRate-0.05_seed-0");
        assertEquals(PointOutcome.State.FAILED, bad.state());
        assertTrue(bad.error().contains("hidden"), bad.error());
        String md = Files.readString(dir.resolve("results.md"));
        assertTrue(md.contains(nan.error().replace("|", "\\|")) && md.contains("failed"), md);
        assertTrue(Files.exists(dir.resolve("points/hidden-4_learningRate-0.05_seed-0/metrics.json")));
        // one code dim trains, but MIG cannot score it: that point's evaluation error is reported, the others are scored
        assertEquals(PointOutcome.State.DONE, o.get("hidden-1_learningRate-0.05_seed-0").state());
        assertFalse(Files.exists(dir.resolve("points/hidden-1_learningRate-0.05_seed-0/metrics.json")));
        assertTrue(md.contains("| hidden-1_learningRate-0.05_seed-0 |") && md.contains("evaluation: "), md);
        // a failed point stays failed on a rerun (nothing to train) unless --retry-failed
        var log2 = new StringBuilder();
        assertEquals(0, run(spec, dir, SweepRunner.Options.defaults(), log2).trained());
        assertTrue(log2.toString().contains("every point is done"), log2.toString());
    }

    private Path writeSgdConfig() throws Exception {
        Path p = tmp.resolve("tiny-sgd.yaml");
        Files.writeString(p, "image: {height: 6, width: 6, channels: 3}\nhidden: 8\noptimizer: sgd\nlearningRate: 0.05\n");
        return p;
    }

    @Test
    void changingTheSpecIsAnErrorUnlessOnlyAxisValuesAreAdded() throws Exception {
        String changed = spec("").replace("steps: 12", "steps: 13");
        var e = assertThrows(IllegalArgumentException.class, () -> run(changed, referenceDir, SweepRunner.Options.defaults(), new StringBuilder()));
        assertTrue(e.getMessage().contains("budget"), e.getMessage());
        SweepSpec old = SweepSpec.parse(spec(""), "a.yaml");
        SweepSpec.parse(spec("").replace("hidden: [4, 8]", "hidden: [4, 8, 16]").replace("seeds: [0, 1]", "seeds: [0, 1, 2]"), "b.yaml")
                .checkContinues(old, "dir");
        var removed = assertThrows(IllegalArgumentException.class,
                () -> SweepSpec.parse(spec("").replace("hidden: [4, 8]", "hidden: [4]"), "c.yaml").checkContinues(old, "dir"));
        assertTrue(removed.getMessage().contains("grid.hidden"), removed.getMessage());
        var ids = SweepGrid.points(old).stream().map(SweepPoint::id).toList();
        var extended = SweepGrid.points(SweepSpec.parse(spec("").replace("hidden: [4, 8]", "hidden: [4, 8, 16]"), "b.yaml")).stream().map(SweepPoint::id).toList();
        assertTrue(extended.containsAll(ids));
        var unknown = assertThrows(IllegalArgumentException.class, () -> SweepSpec.parse(spec("") + "budgets: {steps: 1}\n", "d.yaml"));
        assertTrue(unknown.getMessage().contains("budgets"), unknown.getMessage());
    }

    @Test
    void compareBuildsOneTableAcrossSweepsAndEvaluationDirectories() throws Exception {
        // an evaluation directory as `evaluate --model a,b` writes it: runs with values
        Path eval = tmp.resolve("eval-other");
        Files.createDirectories(eval);
        Files.writeString(eval.resolve(Reports.JSON), "{\"runs\": [{\"id\": \"s0\", \"values\": {\"mig\": 0.25, \"mcc\": 0.5}},"
                + " {\"id\": \"s1\", \"values\": {\"mig\": 0.35, \"mcc\": 0.7}}]}");
        ResultsTable t = CompareCommand.table(List.of(referenceDir.toString(), eval.toString()), List.of("mig"), new org.apache.hadoop.conf.Configuration());
        assertEquals(List.of("reference: hidden=4", "reference: hidden=8", "eval-other"), t.rows().stream().map(ResultsTable.Row::label).toList());
        assertEquals(0.3, t.rows().get(2).summary("mig").mean(), 1e-15);
        assertEquals(Math.sqrt(0.005), t.rows().get(2).summary("mig").std(), 1e-15);
        assertEquals(values(referenceDir.resolve("points/hidden-8_seed-0")).get("mig") / 2
                + values(referenceDir.resolve("points/hidden-8_seed-1")).get("mig") / 2, t.rows().get(1).summary("mig").mean(), 1e-15);
        assertTrue(t.markdown().contains("| eval-other | 2 | 0.300 ± 0.071 |"), t.markdown());
        var e = assertThrows(IllegalArgumentException.class,
                () -> CompareCommand.table(List.of(tmp.toString()), null, new org.apache.hadoop.conf.Configuration()));
        assertTrue(e.getMessage().contains("neither a sweep directory"), e.getMessage());
    }

    @Test
    void tpeProposesNearTheBestScoresAndIsReproducible() {
        // objective: -(x - 0.3)^2 on uniform [0, 1]; 8 random trials, then 12 proposals one at a time
        SweepSpec.Random random = new SweepSpec.Random(SweepSpec.Method.TPE, 20, 5, 8, 1,
                Map.of("x", new SweepSpec.Param(SweepSpec.Distribution.UNIFORM, List.of("0.0", "1.0"))));
        var settings = new ArrayList<Map<String, String>>();
        var scores = new ArrayList<Double>();
        double randomErr = 0, tpeErr = 0;
        for (int t = 0; t < 20; t++) {
            Map<String, String> v = t < 8 ? SweepGrid.sample(random, t) : Tpe.propose(random, settings, scores, t);
            if (t >= 8) assertEquals(v, Tpe.propose(random, settings, scores, t), "same scores, same proposal");
            double x = Double.parseDouble(v.get("x"));
            assertTrue(x >= 0 && x <= 1);
            if (t < 8) randomErr += Math.abs(x - 0.3) / 8;
            else tpeErr += Math.abs(x - 0.3) / 12;
            settings.add(v);
            scores.add(-(x - 0.3) * (x - 0.3));
        }
        assertTrue(tpeErr < randomErr / 2, "TPE proposals " + tpeErr + " from the optimum, random ones " + randomErr);
    }

    @Test
    void aTpeSweepRunsRoundsOfProposalsAndResumesWithTheSameTrials() throws Exception {
        Path dir = tmp.resolve("tpe");
        String spec = spec("").replace("grid:\n  hidden: [4, 8]\n", "").replace("seeds: [0, 1]", "seeds: [0]") + """
                random:
                  method: tpe
                  trials: 5
                  seed: 3
                  startup: 2
                  batch: 2
                  params:
                    learningRate: {loguniform: [1.0e-3, 1.0e-1]}
                """;
        var log = new StringBuilder();
        SweepRunner.Result r = run(spec, dir, SweepRunner.Options.defaults(), log);
        assertEquals(5, r.points().size(), log.toString());
        assertTrue(r.outcomes().values().stream().allMatch(o -> o.state() == PointOutcome.State.DONE), log.toString());
        assertTrue(log.toString().contains("tpe: proposing trials 2-3 from 2 scored trial(s)"), log.toString());
        assertTrue(log.toString().contains("tpe: proposing trials 4-4 from 4 scored trial(s)"), log.toString());
        SweepSpec parsed = SweepSpec.parse(spec, "t.yaml");
        assertEquals(SweepGrid.sample(parsed.random(), 0), r.points().get(0).settings(), "startup trials are the random sampler's");
        JsonNode sweep = JSON.readTree(dir.resolve("sweep.json").toFile());
        assertEquals(5, sweep.get("trials").size());
        assertTrue(r.best().contains("best point trial-"), r.best());
        var again = new StringBuilder();
        SweepRunner.Result second = run(spec, dir, SweepRunner.Options.defaults(), again);
        assertEquals(0, second.trained());
        assertEquals(r.points(), second.points());
        assertTrue(again.toString().contains("every point is done"), again.toString());
    }

    @Test
    void randomSearchWithASeedIsReproducible() throws Exception {
        String base = spec("").replace("grid:\n  hidden: [4, 8]\n", "");
        String random = base + """
                random:
                  trials: 5
                  seed: 7
                  params:
                    learningRate: {loguniform: [1.0e-4, 1.0e-1]}
                    beta1: {uniform: [0.5, 0.99]}
                    hidden: {choice: [4, 8, 16]}
                """;
        List<SweepPoint> a = SweepGrid.points(SweepSpec.parse(random, "r.yaml"));
        List<SweepPoint> b = SweepGrid.points(SweepSpec.parse(random, "r.yaml"));
        assertEquals(a, b);
        assertEquals(10, a.size(), "5 trials x 2 seeds");
        for (SweepPoint p : a) {
            double lr = Double.parseDouble(p.settings().get("learningRate"));
            double b1 = Double.parseDouble(p.settings().get("beta1"));
            assertTrue(lr >= 1e-4 && lr <= 1e-1, p.toString());
            assertTrue(b1 >= 0.5 && b1 <= 0.99, p.toString());
            assertTrue(List.of("4", "8", "16").contains(p.settings().get("hidden")), p.toString());
        }
        assertEquals(5, a.stream().map(SweepPoint::settings).distinct().count());
        List<SweepPoint> other = SweepGrid.points(SweepSpec.parse(random.replace("seed: 7", "seed: 8"), "r.yaml"));
        assertNotEquals(a.stream().map(SweepPoint::settings).toList(), other.stream().map(SweepPoint::settings).toList());
        List<SweepPoint> more = SweepGrid.points(SweepSpec.parse(random.replace("trials: 5", "trials: 7"), "r.yaml"));
        assertTrue(more.containsAll(a), "adding trials keeps the earlier ones");
        assertFalse(a.get(0).id().contains("learningRate"), a.get(0).id());
    }
}
