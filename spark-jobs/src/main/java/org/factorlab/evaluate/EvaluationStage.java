package org.factorlab.evaluate;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.HexFormat;
import java.util.List;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.factorlab.metrics.MetricSuite;
import org.factorlab.metrics.MetricTask;
import org.factorlab.metrics.SuiteResult;
import org.factorlab.metrics.TaskResult;
import org.factorlab.provenance.Provenance;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import scala.Tuple2;

/**
 * The final Spark stage: scores runs (codes + factors already gathered in memory) with a metric suite, one
 * Spark task per (run, metric part) — DCI, SAP and explicitness split per factor, the other metrics are one
 * task each — and writes the report with each run's codes beside it.
 *
 * <p>The runs travel to executors as one broadcast; each task returns a small {@link TaskResult}; the driver
 * combines them per run. Whoever gathers codes (from files, or by encoding a data set with a model) calls
 * {@link #evaluate} with the runs.
 */
public final class EvaluationStage {
    private static final Logger LOG = LoggerFactory.getLogger(EvaluationStage.class);

    private EvaluationStage() {
    }

    /**
     * Scores {@code runs} and writes metrics.json, metrics.md, metrics.html and runs/ID/{codes,factors}.npy under
     * {@code outputDir} (a Hadoop FileSystem URI).
     *
     * @param configText the exact metric config text, recorded in the provenance
     */
    public static EvaluationReport evaluate(JavaSparkContext sc, List<EvaluationRun> runs, MetricSuite suite, String configText,
                                            String outputDir) throws IOException {
        EvaluationReport report = score(sc, runs, suite, configText);
        Path dir = new Path(outputDir);
        FileSystem fs = dir.getFileSystem(sc.hadoopConfiguration());
        var withPaths = new ArrayList<EvaluationReport.Run>();
        for (EvaluationReport.Run r : report.runs()) {
            String rel = "runs/" + r.run().id();
            CodesFile.write(fs, new Path(dir, rel), r.run().data());
            withPaths.add(new EvaluationReport.Run(r.run(), r.result(), rel + "/" + CodesFile.CODES_NPY));
        }
        EvaluationReport out = new EvaluationReport(report.metrics(), withPaths, report.provenance(), report.wallSeconds());
        Reports.write(fs, dir, out);
        LOG.info("wrote {}", new Path(dir, Reports.JSON));
        return out;
    }

    /**
     * Scores {@code runs} together in one Spark stage and writes each run's own report (metrics.json, metrics.md,
     * metrics.html) into {@code dirOf.apply(id)}, without copying its codes: {@code codesPath} (relative to that
     * directory) says where they already are. A sweep scores its points this way.
     */
    public static List<EvaluationReport> evaluateEach(JavaSparkContext sc, List<EvaluationRun> runs, MetricSuite suite, String configText,
                                                      java.util.function.Function<String, String> dirOf, String codesPath) throws IOException {
        EvaluationReport all = score(sc, runs, suite, configText);
        var out = new ArrayList<EvaluationReport>();
        for (EvaluationReport.Run r : all.runs()) {
            Path dir = new Path(dirOf.apply(r.run().id()));
            FileSystem fs = dir.getFileSystem(sc.hadoopConfiguration());
            Provenance prov = Provenance.of(configText, suite.config().seed(), combinedSha(List.of(r.run())));
            EvaluationReport one = new EvaluationReport(all.metrics(), List.of(new EvaluationReport.Run(r.run(), r.result(), codesPath)), prov,
                    all.wallSeconds());
            Reports.write(fs, dir, one);
            out.add(one);
        }
        return out;
    }

    /** Scores the runs on Spark without writing anything. */
    public static EvaluationReport score(JavaSparkContext sc, List<EvaluationRun> runs, MetricSuite suite, String configText) {
        if (runs.isEmpty()) throw new IllegalArgumentException("no run to evaluate");
        var ids = new HashSet<String>();
        for (EvaluationRun r : runs) if (!ids.add(r.id())) throw new IllegalArgumentException("duplicate run id '" + r.id() + "'");
        long t0 = System.nanoTime();
        var work = new ArrayList<Shipment.Work>();
        for (int i = 0; i < runs.size(); i++) for (MetricTask t : suite.tasks(runs.get(i).data())) work.add(new Shipment.Work(i, t));
        LOG.info("evaluating {} run(s): {} metric tasks on Spark", runs.size(), work.size());
        sc.setJobGroup("factorlab-evaluate", "metrics: " + runs.size() + " run(s), " + work.size() + " tasks", false);
        // Runs go out and results come back as Java-serialised bytes: the stage then works whatever
        // spark.serializer says (e.g. Kryo with registrationRequired, as the training job sets it).
        // only the codes travel: a run's model provenance (the checkpoint's) is for the report, not the tasks
        List<EvaluationRun> codesOnly = runs.stream().map(r -> new EvaluationRun(r.id(), r.data(), r.source(), r.sha256())).toList();
        Broadcast<byte[]> shared = sc.broadcast(Shipment.toBytes(new Shipment(codesOnly, work, suite.config())));
        List<Tuple2<Integer, TaskResult>> results = new ArrayList<>();
        try {
            var indices = new ArrayList<Integer>();
            for (int i = 0; i < work.size(); i++) indices.add(i);
            List<byte[]> raw = sc.parallelize(indices, work.size())
                    .map(i -> Shipment.toBytes(Shipment.of(shared).run(i)))
                    .collect();
            for (byte[] b : raw) results.add(Shipment.fromBytes(b));
        } finally {
            Shipment.forget(shared.id());
            shared.destroy();
        }
        var out = new ArrayList<EvaluationReport.Run>();
        for (int i = 0; i < runs.size(); i++) {
            final int run = i;
            List<TaskResult> mine = results.stream().filter(t -> t._1() == run).map(Tuple2::_2).toList();
            SuiteResult r = suite.combine(runs.get(i).data(), mine);
            out.add(new EvaluationReport.Run(runs.get(i), r, null));
            LOG.info("run {}: {}", runs.get(i).id(), r.values());
        }
        Provenance prov = Provenance.of(configText, suite.config().seed(), combinedSha(runs));
        return new EvaluationReport(suite.metrics(), out, prov, (System.nanoTime() - t0) / 1e9);
    }

    /**
     * Runs encoded from one data set: that data set's manifest checksum (each run's checkpoint checksum and training
     * provenance are in its own entry). Otherwise one run: its own checksum; several: SHA-256 over "id:sha" lines.
     */
    static String combinedSha(List<EvaluationRun> runs) {
        var manifests = runs.stream().map(r -> r.model() == null ? null : r.model().dataManifestSha256()).distinct().toList();
        if (manifests.size() == 1 && manifests.get(0) != null) return manifests.get(0);
        if (runs.size() == 1) return runs.get(0).sha256();
        MessageDigest md = org.factorlab.provenance.Digests.sha256();
        for (EvaluationRun r : runs) md.update((r.id() + ":" + r.sha256() + "\n").getBytes(StandardCharsets.UTF_8));
        return HexFormat.of().formatHex(md.digest());
    }
}
