package org.factorlab.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.factorlab.cli.CliErrors;
import org.factorlab.evaluate.CodesFile;
import org.factorlab.evaluate.EvaluationRun;
import org.factorlab.evaluate.EvaluationStage;
import org.factorlab.evaluate.Reports;
import org.factorlab.metrics.MetricKind;
import org.factorlab.metrics.MetricSuite;
import org.factorlab.metrics.MetricsConfig;
import org.factorlab.model.Families;
import org.factorlab.model.ModelFamily;
import org.factorlab.provenance.Digests;
import org.factorlab.provenance.Provenance;
import org.factorlab.spark.DataSources;
import org.factorlab.spark.RunDirectory;
import org.factorlab.spark.TrainJob;
import org.factorlab.spark.TrainJobParams;
import org.factorlab.spark.TrainOptions;
import org.factorlab.spark.TrainResult;
import org.factorlab.spark.TrainingDivergedException;
import org.factorlab.train.TrainSettings;
import org.factorlab.spark.WorkerData;
import org.factorlab.train.Trainer;

/**
 * Runs a sweep on Spark: every point not done yet is one Spark job of one task (so a point that fails after Spark's
 * retries stops nothing else), at most {@code training.parallelism} at once; then the evaluation stage scores the
 * points that have codes but no metrics; then the results are written. The sweep directory:
 * <pre>
 * points/ID/     the point's run directory: config.yaml, ckpt-*.zip, loss.csv, train.log, codes.npy, factors.npy,
 *                factor_names.txt, point.json (its state, written after the codes), metrics.json/.md/.html
 * results.md, results.html, results.csv, plots/*.png
 * sweep.json     the spec, the grid, each point's state, provenance: written when the sweep starts, after each
 *                point, and last
 * </pre>
 */
public final class SweepRunner {
    public static final String SWEEP_JSON = "sweep.json";
    public static final String POINTS = "points";
    /**
     * Test hook, a Spark conf entry or a local property of the driver thread: {@code ID@STEP} makes point ID's task throw
     * once, before step STEP + 1 (after the checkpoint at STEP, if any), as a crash would; {@code ID@STEPxN} N times.
     */
    public static final String FAIL_POINT_ONCE = "spark.factorlab.fault.failPointOnce";

    private SweepRunner() {
    }

    /**
     * @param retryFailed   train points that failed for good in an earlier run again
     * @param mirrorSeconds how often a staged point copies its checkpoints up
     */
    public record Options(boolean retryFailed, Staging staging, double mirrorSeconds) {
        public static Options defaults() {
            return new Options(false, Staging.AUTO, 30);
        }
    }

    /** What a run of the sweep did: every point's outcome, how many points it trained, the table and the best point. */
    public record Result(String dir, List<SweepPoint> points, Map<String, PointOutcome> outcomes, int trained, ResultsTable table,
                         String best) {
    }

    public static Result run(JavaSparkContext sc, SweepSpec spec, String specText, String specSource, String outputDir, Options options,
                             PrintStream out) throws IOException {
        if (spec.random().method() != SweepSpec.Method.TPE || spec.random().trials() == 0)
            return runOnce(sc, spec, specText, specSource, outputDir, options, out, SweepGrid.points(spec), null);
        // sequential search: trials already proposed (sweep.json keeps them) first, then rounds of new proposals
        SweepSpec.Random random = spec.random();
        Configuration hc = sc.hadoopConfiguration();
        Path qualified = new Path(outputDir);
        RunDirectory dir = new RunDirectory(qualified.getFileSystem(hc).makeQualified(qualified).toString(), hc);
        List<Map<String, String>> trials = new ArrayList<>();
        if (dir.exists(SWEEP_JSON))
            for (JsonNode t : SweepFiles.read(dir.readText(SWEEP_JSON), dir.path(SWEEP_JSON).toString()).path("trials")) {
                var m = new LinkedHashMap<String, String>();
                t.fields().forEachRemaining(e -> m.put(e.getKey(), e.getValue().asText()));
                trials.add(m);
            }
        while (trials.size() < Math.min(random.trials(), random.startup())) trials.add(SweepGrid.sample(random, trials.size()));
        while (true) {
            List<SweepPoint> points = SweepGrid.points(spec, trials);
            Result r = runOnce(sc, spec, specText, specSource, dir.root().toString(), options, out, points, trials);
            if (trials.size() >= random.trials()) return r;
            var settings = new ArrayList<Map<String, String>>();
            var scores = new ArrayList<Double>();
            int sign = spec.rank().order() == SweepSpec.Order.MAX ? 1 : -1;
            for (int t = 0; t < trials.size(); t++) {
                String group = String.format(Locale.ROOT, "trial-%04d", t);
                double sum = 0;
                int n = 0;
                for (SweepPoint p : points)
                    if (p.group().equals(group)) {
                        Double v = metricValues(pointDir(dir.root().toString(), p.id(), hc)).get(spec.rank().metric());
                        if (v != null) { sum += v; n++; }
                    }
                if (n > 0) { settings.add(trials.get(t)); scores.add(sign * sum / n); }
            }
            int next = Math.min(random.trials(), trials.size() + random.batch());
            out.printf(Locale.ROOT, "tpe: proposing trials %d-%d from %d scored trial(s)%n", trials.size(), next - 1, scores.size());
            while (trials.size() < next)
                trials.add(scores.isEmpty() ? SweepGrid.sample(random, trials.size()) : Tpe.propose(random, settings, scores, trials.size()));
        }
    }

    private static Result runOnce(JavaSparkContext sc, SweepSpec spec, String specText, String specSource, String outputDir, Options options,
                                  PrintStream out, List<SweepPoint> points, List<Map<String, String>> trials) throws IOException {
        Configuration hc = sc.hadoopConfiguration();
        Path qualified = new Path(outputDir);
        FileSystem fs = qualified.getFileSystem(hc);
        String root = fs.makeQualified(qualified).toString();
        RunDirectory dir = new RunDirectory(root, hc);
        String configText = TrainOptions.readConfig(spec.config(), hc);
        String configSha = Digests.sha256Hex(configText);
        WorkerData data = DataSources.open(spec.data(), hc);
        ModelFamily family = Families.get(spec.model());
        if (dir.exists(SWEEP_JSON)) {
            JsonNode old = SweepFiles.read(dir.readText(SWEEP_JSON), dir.path(SWEEP_JSON).toString());
            spec.checkContinues(SweepSpec.fromJson(old.get("spec")), root);
            if (!old.path("configSha256").asText().equals(configSha))
                throw new IllegalArgumentException(root + ": the base config " + spec.config() + " changed since the sweep started (SHA-256 "
                        + old.path("configSha256").asText() + ", now " + configSha + "); use a new --output directory");
            if (!old.path("dataManifestSha256").asText().equals(data.manifestSha256()))
                throw new IllegalArgumentException(root + ": the data " + spec.data() + " changed since the sweep started (manifest SHA-256 "
                        + old.path("dataManifestSha256").asText() + ", now " + data.manifestSha256() + "); use a new --output directory");
        }
        Map<String, PointOutcome> outcomes = new LinkedHashMap<>();
        for (SweepPoint p : points) {
            RunDirectory pd = pointDir(root, p.id(), hc);
            outcomes.put(p.id(), pd.exists(PointTask.POINT_JSON) ? SweepFiles.readOutcome(pd.readText(PointTask.POINT_JSON), pd.root().toString())
                    : PointOutcome.pending(p.id()));
        }
        // configs are checked on the driver: a bad override fails its point here, with the key named
        List<PointTask> tasks = new ArrayList<>();
        String failOnce = sc.getLocalProperty(FAIL_POINT_ONCE) != null ? sc.getLocalProperty(FAIL_POINT_ONCE) : sc.getConf().get(FAIL_POINT_ONCE, "");
        int resuming = 0;
        for (SweepPoint p : points) {
            PointOutcome o = outcomes.get(p.id());
            if (o.state() == PointOutcome.State.DONE || (o.state() == PointOutcome.State.FAILED && !options.retryFailed())) continue;
            RunDirectory pd = pointDir(root, p.id(), hc);
            String effective;
            try {
                effective = family.effectiveConfig(configText, p.overrides(), spec.config());
                effective = family.withData(effective, data.spec(), spec.config());
                family.trainSettings(effective);
            } catch (IllegalArgumentException e) {
                PointOutcome f = PointOutcome.failed(p.id(), e.getMessage());
                fs.mkdirs(pd.root());
                pd.writeText(PointTask.POINT_JSON, SweepFiles.outcomeJson(f));
                outcomes.put(p.id(), f);
                continue;
            }
            if (hasCheckpoint(fs, pd.root()) || pd.exists(RunDirectory.JOB)) resuming++;
            String fault = failOnce.startsWith(p.id() + "@") ? failOnce.substring(p.id().length() + 1) : "";
            tasks.add(new PointTask(pd.root().toString(), p.id(), spec.model(), effective, spec.data(), spec.budget().steps(),
                    spec.budget().wallSeconds(), spec.training().checkpointEvery(), spec.training().keepCheckpoints(),
                    spec.evaluation().batchSize(), options.staging(), options.mirrorSeconds(), fault, false));
        }
        long groups = points.stream().map(SweepPoint::group).distinct().count();
        out.printf(Locale.ROOT, "sweep %s: %d point(s) in %d group(s); %d done, %d failed, %d to train%s%n", root, points.size(), groups,
                count(outcomes, PointOutcome.State.DONE), count(outcomes, PointOutcome.State.FAILED), tasks.size(),
                resuming > 0 ? " (" + resuming + " resume from their checkpoints)" : "");
        long failedForGood = count(outcomes, PointOutcome.State.FAILED);
        if (tasks.isEmpty())
            out.println("every point is done" + (failedForGood > 0 ? " (" + failedForGood + " failed for good; --retry-failed trains them again)" : "")
                    + "; nothing to train");
        writeSweepJson(dir, spec, specText, specSource, configSha, data, points, trials, outcomes, "running", null);

        if (spec.training().mode() == SweepSpec.Mode.AVERAGED) {
            for (PointTask t : tasks) {
                PointOutcome o = trainAveraged(sc, spec, t);
                outcomes.put(t.id(), o);
                out.println(describe(o));
                writeSweepJson(dir, spec, specText, specSource, configSha, data, points, trials, outcomes, "running", null);
            }
        } else {
            trainInParallel(sc, spec, tasks, outcomes, out,
                    () -> writeSweepJson(dir, spec, specText, specSource, configSha, data, points, trials, outcomes, "running", null));
        }

        String metricsSource = spec.evaluation().config().isEmpty() ? "conf/metrics.yaml" : spec.evaluation().config();
        String metricsText = spec.evaluation().config().isEmpty() ? MetricsConfig.defaultText() : TrainOptions.readConfig(spec.evaluation().config(), hc);
        metricsText = MetricsConfig.withOverrides(metricsText, spec.evaluation().set(), metricsSource);
        MetricSuite suite = new MetricSuite(MetricKind.parseList(spec.evaluation().metrics()), MetricsConfig.parse(metricsText, metricsSource));
        List<String> toScore = new ArrayList<>();
        for (SweepPoint p : points)
            if (outcomes.get(p.id()).state() == PointOutcome.State.DONE && !pointDir(root, p.id(), hc).exists(Reports.JSON)) toScore.add(p.id());
        if (!toScore.isEmpty()) out.printf(Locale.ROOT, "scoring %d point(s) on Spark%n", toScore.size());
        Map<String, String> evaluationErrors = new LinkedHashMap<>();
        for (int i = 0; i < toScore.size(); i += spec.evaluation().runsPerStage()) {
            List<String> chunk = toScore.subList(i, Math.min(toScore.size(), i + spec.evaluation().runsPerStage()));
            try {
                score(sc, root, chunk, suite, metricsText);
            } catch (Exception e) {
                // one point's codes must not cost the others their scores: score them one by one
                for (String id : chunk)
                    try {
                        score(sc, root, List.of(id), suite, metricsText);
                    } catch (Exception one) {
                        evaluationErrors.put(id, CliErrors.oneLine(one));
                        out.println("point " + id + ": evaluation failed (a rerun tries again): " + CliErrors.oneLine(one));
                    }
            }
        }

        List<String> columns = new ArrayList<>();
        suite.metrics().forEach(m -> columns.addAll(m.headline()));
        ResultsTable table = SweepReport.table(points, outcomes, columns, id -> metricValues(pointDir(root, id, hc)));
        String best = SweepReport.best(spec, points, table, id -> metricValues(pointDir(root, id, hc)));
        SweepReport.write(dir, fs, spec, points, outcomes, evaluationErrors, table, best, id -> lossCurves(fs, pointDir(root, id, hc).root()));
        boolean complete = outcomes.values().stream().allMatch(o -> o.state() == PointOutcome.State.DONE || o.state() == PointOutcome.State.FAILED);
        writeSweepJson(dir, spec, specText, specSource, configSha, data, points, trials, outcomes, complete ? "complete" : "incomplete", best);
        out.printf(Locale.ROOT, "%n%s%n", table.markdown());
        if (best != null) out.println(best);
        long failed = count(outcomes, PointOutcome.State.FAILED), interrupted = count(outcomes, PointOutcome.State.INTERRUPTED);
        if (failed + interrupted > 0)
            out.printf(Locale.ROOT, "%d point(s) failed, %d interrupted (see %s)%n", failed, interrupted, new Path(dir.root(), SweepReport.MARKDOWN));
        out.printf(Locale.ROOT, "wrote %s%n", new Path(dir.root(), SweepReport.MARKDOWN));
        return new Result(root, points, outcomes, tasks.size(), table, best);
    }

    /** Task mode: each point one Spark job of one task, at most {@code training.parallelism} at once. */
    private static void trainInParallel(JavaSparkContext sc, SweepSpec spec, List<PointTask> tasks, Map<String, PointOutcome> outcomes,
                                        PrintStream out, Runnable saveState) {
        int parallelism = spec.training().parallelism() > 0 ? spec.training().parallelism() : Math.max(1, sc.defaultParallelism());
        ExecutorService pool = Executors.newFixedThreadPool(Math.max(1, Math.min(parallelism, Math.max(1, tasks.size()))));
        try {
            List<Future<?>> running = new ArrayList<>();
            for (PointTask t : tasks)
                running.add(pool.submit(() -> {
                    PointOutcome o = trainPoint(sc, t);
                    synchronized (outcomes) {
                        outcomes.put(t.id(), o);
                        out.println(describe(o));
                        saveState.run();
                    }
                }));
            for (Future<?> f : running) f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("sweep interrupted", e);
        } catch (java.util.concurrent.ExecutionException e) {
            throw new IllegalStateException(CliErrors.oneLine(e.getCause()), e.getCause());
        } finally {
            pool.shutdownNow();
        }
    }

    /**
     * Averaged mode: the point trains with the parameter-averaging job on all executors (its run directory in the Spark
     * layout, resumed with --resume semantics), then one task encodes the data set with its newest checkpoint.
     */
    private static PointOutcome trainAveraged(JavaSparkContext sc, SweepSpec spec, PointTask t) {
        RunDirectory pd = new RunDirectory(t.pointDir(), sc.hadoopConfiguration());
        try {
            TrainSettings ts = Families.get(t.model()).trainSettings(t.effectiveConfig());
            int f = spec.training().averagingFrequency();
            long steps = spec.budget().steps() > 0 ? spec.budget().steps() : (long) Integer.MAX_VALUE * f;
            int rounds = (int) Math.min(Integer.MAX_VALUE, (steps + f - 1) / f);
            TrainJobParams p = TrainJobParams.builder().model(t.model()).config(spec.config(), t.effectiveConfig()).data(t.data())
                    .runDir(t.pointDir()).workers(spec.training().workers()).averagingFrequency(f).batchSizePerWorker(ts.batchSize())
                    .rounds(rounds).checkpointEvery(Math.max(1, spec.training().checkpointEvery() / f))
                    .keepCheckpoints(spec.training().keepCheckpoints()).emaDecay(ts.emaDecay()).emaWarmup(ts.emaWarmup()).seed(ts.seed())
                    .resume(true).maxWallSeconds(spec.budget().wallSeconds()).build();
            sc.setJobGroup("factorlab-sweep-" + t.id(), "factorlab sweep: point " + t.id() + " (parameter averaging)", true);
            long t0 = System.nanoTime();
            TrainResult r = TrainJob.run(sc, p);
            double seconds = (System.nanoTime() - t0) / 1e9;
            PointTask enc = t.asEncodeOnly();
            PointOutcome e = SweepFiles.readOutcome(sc.parallelize(List.of(0), 1).map(i -> SweepFiles.outcomeJson(enc.run())).collect().get(0),
                    t.pointDir());
            if (e.state() != PointOutcome.State.DONE) return e;
            Double loss = r.history().isEmpty() ? null : r.history().get(r.history().size() - 1).loss();
            PointOutcome done = new PointOutcome(t.id(), PointOutcome.State.DONE, e.steps(), seconds, loss != null && Double.isFinite(loss) ? loss : null, null);
            pd.writeText(PointTask.POINT_JSON, SweepFiles.outcomeJson(done));
            return done;
        } catch (TrainingDivergedException | IllegalArgumentException e) {
            PointOutcome f = PointOutcome.failed(t.id(), e.getMessage());
            pd.writeText(PointTask.POINT_JSON, SweepFiles.outcomeJson(f));
            return f;
        } catch (Exception e) {
            return new PointOutcome(t.id(), PointOutcome.State.INTERRUPTED, 0, 0, null, CliErrors.oneLine(e));
        } finally {
            sc.clearJobGroup();
        }
    }

    /** Scores points together in one Spark stage; each gets its own metrics.json beside its codes. */
    private static void score(JavaSparkContext sc, String root, List<String> ids, MetricSuite suite, String metricsText) throws IOException {
        Configuration hc = sc.hadoopConfiguration();
        var runs = new ArrayList<EvaluationRun>();
        for (String id : ids) runs.add(CodesFile.read(new Path(pointDir(root, id, hc).root(), CodesFile.CODES_NPY).toString(), id, hc, 1));
        EvaluationStage.evaluateEach(sc, runs, suite, metricsText, id -> pointDir(root, id, hc).root().toString(), CodesFile.CODES_NPY);
    }

    /** One point as one Spark job of one task; a job that fails after Spark's retries leaves the point INTERRUPTED. */
    private static PointOutcome trainPoint(JavaSparkContext sc, PointTask t) {
        sc.setJobGroup("factorlab-sweep-" + t.id(), "factorlab sweep: point " + t.id(), true);
        try {
            String json = sc.parallelize(List.of(0), 1).map(i -> SweepFiles.outcomeJson(t.run())).collect().get(0);
            return SweepFiles.readOutcome(json, t.pointDir());
        } catch (Exception e) { // Spark's SparkException is thrown undeclared
            return new PointOutcome(t.id(), PointOutcome.State.INTERRUPTED, 0, 0, null, CliErrors.oneLine(e));
        } finally {
            sc.clearJobGroup();
        }
    }

    static String describe(PointOutcome o) {
        return switch (o.state()) {
            case DONE -> String.format(Locale.ROOT, "point %s: done, %d steps in %.1f s%s", o.id(), o.steps(), o.trainSeconds(),
                    o.lastLoss() == null ? "" : String.format(Locale.ROOT, ", loss %.5g", o.lastLoss()));
            case FAILED -> "point " + o.id() + ": FAILED: " + o.error();
            case INTERRUPTED -> "point " + o.id() + ": interrupted (a rerun resumes it): " + o.error();
            case PENDING -> "point " + o.id() + ": pending";
        };
    }

    static RunDirectory pointDir(String root, String id, Configuration hc) {
        return new RunDirectory(new Path(new Path(root, POINTS), id).toString(), hc);
    }

    private static boolean hasCheckpoint(FileSystem fs, Path dir) throws IOException {
        if (!fs.exists(dir)) return false;
        for (var s : fs.listStatus(dir)) if (s.getPath().getName().matches("ckpt-\\d{9}\\.zip")) return true;
        return false;
    }

    private static long count(Map<String, PointOutcome> o, PointOutcome.State s) {
        return o.values().stream().filter(x -> x.state() == s).count();
    }

    /** The headline values in a point's metrics.json (empty when it has none). */
    static Map<String, Double> metricValues(RunDirectory pd) {
        if (!pd.exists(Reports.JSON)) return Map.of();
        JsonNode n = SweepFiles.read(pd.readText(Reports.JSON), pd.path(Reports.JSON).toString());
        var out = new LinkedHashMap<String, Double>();
        n.path("runs").path(0).path("values").fields().forEachRemaining(e -> out.put(e.getKey(), e.getValue().asDouble()));
        return out;
    }

    /** A point's losses as CSV text, step first: its loss.csv, or for averaged mode the named terms of history.csv. */
    private static String lossCurves(FileSystem fs, Path pointDir) {
        String single = lossCsv(fs, new Path(pointDir, Trainer.LOSS_CSV));
        if (single != null) return single;
        String history = lossCsv(fs, new Path(pointDir, RunDirectory.HISTORY));
        if (history == null) return null;
        var rows = org.factorlab.spark.RoundStats.parseCsv(history, new Path(pointDir, RunDirectory.HISTORY).toString());
        if (rows.isEmpty()) return null;
        StringBuilder b = new StringBuilder("step");
        var terms = rows.get(0).terms().keySet();
        if (terms.isEmpty()) b.append(",total");
        else terms.forEach(n -> b.append(',').append(n));
        b.append('\n');
        for (var r : rows) {
            b.append(r.step());
            if (terms.isEmpty()) b.append(',').append(r.loss());
            else r.terms().values().forEach(v -> b.append(',').append(v));
            b.append('\n');
        }
        return b.toString();
    }

    private static String lossCsv(FileSystem fs, Path p) {
        try {
            if (!fs.exists(p)) return null;
            try (InputStream in = fs.open(p)) {
                return new String(in.readAllBytes(), StandardCharsets.UTF_8);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(p + ": " + e.getMessage(), e);
        }
    }

    private static void writeSweepJson(RunDirectory dir, SweepSpec spec, String specText, String specSource, String configSha,
                                       WorkerData data, List<SweepPoint> points, List<Map<String, String>> trials,
                                       Map<String, PointOutcome> outcomes, String status, String best) {
        ObjectNode root = SweepFiles.JSON.createObjectNode();
        root.put("status", status);
        root.set("spec", spec.toJson());
        root.put("specSource", specSource);
        root.put("specText", specText);
        root.put("configSha256", configSha);
        root.put("dataManifestSha256", data.manifestSha256());
        ArrayNode ps = root.putArray("points");
        for (SweepPoint p : points) {
            ObjectNode n = ps.addObject();
            n.put("id", p.id());
            n.put("group", p.group());
            n.set("settings", SweepFiles.JSON.valueToTree(p.settings()));
            n.put("seed", p.seed());
            n.set("outcome", SweepFiles.JSON.valueToTree(outcomes.get(p.id())));
        }
        if (best != null) root.put("best", best);
        if (trials != null) root.set("trials", SweepFiles.JSON.valueToTree(trials));
        root.set("provenance", SweepFiles.JSON.valueToTree(Provenance.of(spec.model(), specText, 0, data.manifestSha256())));
        dir.writeText(SWEEP_JSON, SweepFiles.write(root));
    }
}
