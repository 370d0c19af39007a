package org.factorlab.quickstart;

import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.factorlab.encdiff.EncDiffFamily;
import org.factorlab.model.Families;
import org.factorlab.train.TrainSettings;
import org.factorlab.evaluate.EvaluationReport;
import org.factorlab.evaluate.EvaluationRun;
import org.factorlab.evaluate.EvaluationStage;
import org.factorlab.evaluate.ModelEncoding;
import org.factorlab.inference.ReconstructCommand;
import org.factorlab.inference.SwapCommand;
import org.factorlab.metrics.MetricKind;
import org.factorlab.metrics.MetricSuite;
import org.factorlab.metrics.MetricsConfig;
import org.factorlab.render.RenderCommand;
import org.factorlab.report.HtmlReport;
import org.factorlab.spark.RoundStats;
import org.factorlab.spark.TrainJob;
import org.factorlab.spark.TrainJobParams;
import org.factorlab.spark.TrainResult;
import org.factorlab.viz.Plots;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * The quickstart pipeline, one step after the other in one JVM: render ({@link RenderCommand}) to {@code file://}
 * shards, train ({@link TrainJob} on Spark {@code local[*]}, stopped by the time budget), evaluate
 * ({@link ModelEncoding} + {@link EvaluationStage}), report ({@link HtmlReport}). Every step logs its progress.
 *
 * <pre>
 * OUTPUT/data/               the rendered shards (+ _manifest.json)
 * OUTPUT/run/                the training run directory (config, provenance, history.csv, checkpoints/)
 * OUTPUT/run/eval/           metrics.json (with provenance), metrics.md, metrics.html, runs/ID/codes.npy
 * OUTPUT/report.html         the report; its images are in OUTPUT/report-files/
 * </pre>
 */
public final class Quickstart {
    private static final Logger LOG = LoggerFactory.getLogger("org.factorlab.progress");
    /** 2 x 2 x 3 hues, 4 scales, 4 shapes, one orientation: 192 images, every factor but orientation varies. */
    public static final List<String> DEFAULT_FACTORS = List.of("floor_hue=0,5", "wall_hue=0,5", "object_hue=0,3,6",
            "scale=0,2,5,7", "orientation=7");
    public static final String REPORT = "report.html";
    public static final String FILES = "report-files";
    public static final String LOSS_PNG = "loss.png";
    public static final String DATA_PNG = "data.png";
    public static final String RECONSTRUCT_PNG = "reconstructions.png";
    public static final String SWAP_PNG = "swaps.png";
    /** DDIM steps for the report's pictures: enough for 16x16 images, a few seconds on a CPU. */
    private static final int PICTURE_STEPS = 20;
    /** Evaluation, pictures (DDIM) and report after training: Spark start, encoder graph, metric tasks. */
    private static final double RESERVE_SECONDS = 75;
    /** Spark start and model set-up before the first round, which the training budget does not count. */
    private static final double TRAIN_STARTUP_SECONDS = 30;

    private Quickstart() {
    }

    /** What to run; {@code budgetSeconds} bounds the whole pipeline (training gets what the other steps leave). */
    public record Options(Path output, double budgetSeconds, String configName, String configText, int size,
                          List<String> factors, int workers, int rounds, int averagingFrequency, int batchSizePerWorker,
                          String metrics, long seed) {
        public Options {
            if (!(budgetSeconds > 0)) throw new IllegalArgumentException("--minutes must be positive, got " + budgetSeconds / 60);
            if (workers < 1) throw new IllegalArgumentException("--workers must be >= 1, got " + workers);
            factors = List.copyOf(factors);
        }
    }

    /** Where the report is, what it shows, and how long each step took. */
    public record Result(Path report, List<String> figures, EvaluationReport evaluation, String metricsMarkdown, int rounds,
                         boolean stoppedByBudget, double totalSeconds, double renderSeconds, double trainSeconds,
                         double evaluateSeconds, double reportSeconds) {
    }

    public static Result run(Options o) throws IOException {
        long t0 = System.nanoTime();
        Path out = o.output().toAbsolutePath().normalize();
        if (Files.exists(out) && (!Files.isDirectory(out) || Files.list(out).findAny().isPresent()))
            throw new IllegalArgumentException("--output " + out + ": exists and is not empty; choose another directory or delete it");
        Path files = Files.createDirectories(out.resolve(FILES));
        String dataUri = out.resolve("data").toUri().toString();
        String runUri = out.resolve("run").toUri().toString();
        String evalUri = out.resolve("run").resolve("eval").toUri().toString();
        PrintStream stdout = System.out;
        System.setOut(withoutSameDiffChatter(stdout));
        try {
            // 1. render
            step(1, "render a Shapes3D-like data set (" + o.size() + "x" + o.size() + ", " + String.join(" ", o.factors()) + ") to " + dataUri, t0);
            var args = new ArrayList<>(List.of("shapes3d", "--size", String.valueOf(o.size()), "--samples", "2",
                    "--seed", String.valueOf(o.seed()), "--output", dataUri, "--sheet", files.resolve(DATA_PNG).toString()));
            for (String f : o.factors()) args.addAll(List.of("--factor", f));
            var render = new CommandLine(new RenderCommand());
            int rc = render.execute(args.toArray(String[]::new));
            if (rc != 0) throw new IllegalStateException("rendering failed (exit code " + rc + "); see the messages above");
            long t1 = System.nanoTime();

            // 2. train
            double left = o.budgetSeconds() - (t1 - t0) / 1e9;
            double trainBudget = Math.max(1, left - TRAIN_STARTUP_SECONDS - Math.min(RESERVE_SECONDS, 0.3 * o.budgetSeconds()));
            step(2, String.format(Locale.ROOT, "train EncDiff on Spark local[*], %d workers, parameter averaging every %d steps, "
                    + "batch %d per worker, for at most %.0f s", o.workers(), o.averagingFrequency(), o.batchSizePerWorker(), trainBudget), t0);
            var family = Families.get(EncDiffFamily.NAME);
            String effective = family.effectiveConfig(o.configText(), List.of("train.seed=" + o.seed()), o.configName());
            TrainSettings ts = family.trainSettings(effective);
            TrainJobParams params = TrainJobParams.builder().model(EncDiffFamily.NAME).config(o.configName(), effective)
                    .data(dataUri).runDir(runUri).master("local[*]").workers(o.workers())
                    .averagingFrequency(o.averagingFrequency()).batchSizePerWorker(o.batchSizePerWorker()).rounds(o.rounds())
                    .checkpointEvery(10).keepCheckpoints(2).emaDecay(ts.emaDecay()).emaWarmup(ts.emaWarmup()).seed(ts.seed())
                    .maxWallSeconds(trainBudget)
                    .sparkConf("spark.ui.enabled", "false").build();
            TrainResult trained = TrainJob.run(params);
            long t2 = System.nanoTime();

            // 3. evaluate
            step(3, "encode every image with the trained encoder on Spark and compute the metrics (" + o.metrics() + ")", t0);
            String metricsYaml = MetricsConfig.defaultText();
            MetricsConfig mcfg = MetricsConfig.parse(metricsYaml, "conf/metrics.yaml");
            if (mcfg.seed() != o.seed()) {
                mcfg = mcfg.withSeed(o.seed());
                metricsYaml = mcfg.toYaml();
            }
            EvaluationReport eval;
            SparkConf conf = new SparkConf().setAppName("factorlab quickstart evaluate").setMaster("local[*]")
                    .set("spark.ui.enabled", "false");
            try (JavaSparkContext sc = new JavaSparkContext(conf)) {
                sc.setLogLevel("WARN");
                ModelEncoding.LoadedModel model = ModelEncoding.load(runUri, sc.hadoopConfiguration());
                EvaluationRun run = ModelEncoding.encode(sc, "quickstart", model, dataUri, 64, o.workers());
                eval = EvaluationStage.evaluate(sc, List.of(run), new MetricSuite(MetricKind.parseList(o.metrics()), mcfg),
                        metricsYaml, evalUri);
            }
            long t3 = System.nanoTime();

            // 4. report
            step(4, "write the report", t0);
            var figures = new ArrayList<String>();
            writeLossPlot(trained.history(), files.resolve(LOSS_PNG));
            figures.add(FILES + "/" + LOSS_PNG);
            int rows = eval.runs().get(0).run().data().numPoints();
            String common = "--checkpoint=" + runUri + " --data=" + dataUri + " --steps=" + PICTURE_STEPS + " --seed=" + o.seed();
            int recRc = picture(new ReconstructCommand(), common + " --n=" + Math.min(8, rows), files.resolve(RECONSTRUCT_PNG));
            if (recRc == 0) figures.add(FILES + "/" + RECONSTRUCT_PNG);
            int swapRc = picture(new SwapCommand(), common + " --n=" + Math.min(6, rows / 2), files.resolve(SWAP_PNG));
            if (swapRc == 0) figures.add(FILES + "/" + SWAP_PNG);
            figures.add(FILES + "/" + DATA_PNG);
            String markdown = org.factorlab.evaluate.Reports.markdown(eval);
            boolean stopped = trained.rounds() < o.rounds();
            var times = new double[]{(t1 - t0) / 1e9, (t2 - t1) / 1e9, (t3 - t2) / 1e9};
            String html = page(o, trained, eval, stopped, times, dataUri, recRc, swapRc);
            Path report = out.resolve(REPORT);
            Path tmp = out.resolve("." + REPORT + ".tmp");
            Files.writeString(tmp, html, StandardCharsets.UTF_8);
            Files.move(tmp, report, java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
            long t4 = System.nanoTime();
            LOG.info(String.format(Locale.ROOT, "quickstart done in %.1f s: %s", (t4 - t0) / 1e9, report));
            return new Result(report, List.copyOf(figures), eval, markdown, trained.rounds(), stopped, (t4 - t0) / 1e9,
                    times[0], times[1], times[2], (t4 - t3) / 1e9);
        } finally {
            System.setOut(stdout);
        }
    }

    private static void step(int i, String what, long t0) {
        LOG.info(String.format(Locale.ROOT, "[%d/4 at %.0f s] %s", i, (System.nanoTime() - t0) / 1e9, what));
    }

    static void writeLossPlot(List<RoundStats> history, Path png) throws IOException {
        double[] x = history.stream().mapToDouble(RoundStats::step).toArray();
        double[] y = history.stream().mapToDouble(RoundStats::loss).toArray();
        var series = new LinkedHashMap<String, double[][]>();
        series.put("loss (mean over workers, per round)", new double[][]{x, y});
        if (y.length >= 5) series.put("moving average (5 rounds)", new double[][]{x, Plots.smooth(y, 5)});
        // every named term the family reports besides the total (none for EncDiff's plain diffusion loss)
        if (!history.isEmpty())
            for (String term : history.get(0).terms().keySet())
                series.put(term, new double[][]{x, history.stream().mapToDouble(r -> r.terms().getOrDefault(term, Double.NaN)).toArray()});
        try (OutputStream os = Files.newOutputStream(png)) {
            Plots.lines("EncDiff training loss", "optimizer step", "loss (eps MSE)", series, false, os);
        }
    }

    /** Runs a picture command ({@code factorlab reconstruct} / {@code swap}); returns its exit code. */
    private static int picture(Object command, String args, Path png) {
        var a = new ArrayList<>(List.of(args.split(" ")));
        a.add("--output=" + png);
        return new CommandLine(command).execute(a.toArray(String[]::new));
    }

    private static String page(Options o, TrainResult t, EvaluationReport eval, boolean stopped, double[] times, String dataUri,
                               int reconstructRc, int swapRc) {
        var r = new HtmlReport("Factorlab quickstart: EncDiff on a rendered Shapes3D-like set");
        EvaluationReport.Run run = eval.runs().get(0);
        long steps = t.state().step();
        r.paragraph(String.format(Locale.ROOT, "Rendered %d images of %dx%d (%s; factors %s), trained EncDiff for %d "
                        + "rounds = %d optimizer steps on %d Spark workers (local[*], parameter averaging every %d steps, batch %d "
                        + "per worker)%s, then encoded every image and computed the metrics. Times: render %.0f s, train %.0f s, "
                        + "evaluate %.0f s.", run.run().data().numPoints(), o.size(), o.size(), String.join(" ", o.factors()),
                run.run().data().factorNames(), t.rounds(), steps, o.workers(), o.averagingFrequency(), o.batchSizePerWorker(),
                stopped ? ", stopped by the time budget" : "", times[0], times[1], times[2]));
        r.paragraph("This is a minutes-long CPU run of a small model: the numbers show the pipeline works end to end, not the "
                + "scores EncDiff reaches with the paper's training (hours on a GPU; see docs/quickstart.md).");
        r.heading("Disentanglement metrics");
        var rows = new ArrayList<List<String>>();
        for (MetricKind m : eval.metrics())
            for (String col : m.headline()) {
                Double v = run.result().values().get(col);
                rows.add(List.of(col, v == null ? "n/a" : String.format(Locale.ROOT, "%.3f", v)));
            }
        r.table(List.of("metric", "value"), rows);
        if (!run.result().diagnostics().isEmpty())
            r.paragraph("Diagnostics: " + String.join("; ", run.result().diagnostics()));
        r.paragraph("Full results (per factor, matrices, provenance): run/eval/metrics.json; codes: run/eval/" + run.codesPath() + ".");
        r.heading("Training loss");
        r.figure(FILES + "/" + LOSS_PNG, "Mean training loss per averaging round (history: run/history.csv).");
        r.heading("Reconstructions");
        if (reconstructRc == 0)
            r.figure(FILES + "/" + RECONSTRUCT_PNG, "Rows: input images; decoded from their codes by " + PICTURE_STEPS
                    + "-step DDIM starting from seeded noise; and starting from the DDIM-inverted x_T (factorlab reconstruct).");
        else r.paragraph("Reconstruction failed (factorlab reconstruct exit code " + reconstructRc + "; see the log).");
        r.heading("Factor swaps");
        if (swapRc == 0)
            r.figure(FILES + "/" + SWAP_PNG, "Columns: (source, target) pairs. Row 'token c': the target decoded with its concept "
                    + "token c replaced by the source's; a disentangled model changes one factor per row (factorlab swap).");
        else r.paragraph("Factor swap failed (factorlab swap exit code " + swapRc + "; see the log).");
        r.heading("Training data");
        r.figure(FILES + "/" + DATA_PNG, "32 random images of the rendered data set.");
        r.heading("Provenance");
        var kv = new LinkedHashMap<String, String>();
        var src = run.run().model();
        kv.put("checkpoint", src.checkpoint());
        kv.put("checkpoint SHA-256", src.checkpointSha256());
        kv.put("model / steps", src.model() + " / " + src.step());
        kv.put("data", dataUri);
        kv.put("data manifest SHA-256", src.dataManifestSha256());
        kv.put("training seed", String.valueOf(src.trainingProvenance().seed()));
        kv.put("metrics seed", String.valueOf(eval.provenance().seed()));
        kv.put("code version", src.trainingProvenance().codeVersion());
        kv.put("trained at", src.trainingProvenance().createdAt());
        src.trainingProvenance().libraries().forEach((k, v) -> kv.put(k, v));
        r.keyValues(kv);
        r.paragraph("Model config (" + o.configName() + "):");
        r.preformatted(src.trainingProvenance().configText());
        return r.render();
    }

    /** SameDiff prints one line per differentiated op on standard output when it builds a gradient graph. */
    private static PrintStream withoutSameDiffChatter(PrintStream target) {
        return new PrintStream(new OutputStream() {
            private final java.io.ByteArrayOutputStream line = new java.io.ByteArrayOutputStream();

            @Override
            public synchronized void write(int b) {
                line.write(b);
                if (b == '\n') flushLine();
            }

            private void flushLine() {
                String s = line.toString(StandardCharsets.UTF_8);
                line.reset();
                if (!s.startsWith("Added differentiated op")) target.print(s);
            }

            @Override
            public synchronized void flush() {
                target.flush();
            }
        }, true, StandardCharsets.UTF_8);
    }
}
