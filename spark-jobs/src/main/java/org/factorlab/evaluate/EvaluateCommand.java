package org.factorlab.evaluate;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.factorlab.cli.CliCommand;
import org.factorlab.metrics.MetricKind;
import org.factorlab.metrics.MetricSuite;
import org.factorlab.metrics.MetricsConfig;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code factorlab evaluate --codes FILE...} scores codes files with the metric suite on Spark;
 * {@code factorlab evaluate --model RUN... --data SHARDS} first encodes the data set with each trained model on Spark.
 */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Compute disentanglement metrics in parallel on Spark (one task per metric, per factor where a metric "
                + "splits, per run) and write metrics.json (with provenance), metrics.md and metrics.html.",
                "Codes: FILE.npy with factors.npy (and optional factor_names.txt) beside it, or a CSV whose "
                        + "'factor:NAME' columns hold factor classes. Several --codes (e.g. a seed sweep) give mean ± std.",
                "Models: --model RUN_DIR|CHECKPOINT (several for a seed sweep) with --data SHARDS encodes every image on "
                        + "Spark executors first; the report goes to RUN_DIR/eval by default."})
public final class EvaluateCommand implements Callable<Integer>, CliCommand {
    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    @Option(names = "--codes", split = ",", paramLabel = "FILE",
            description = "Codes file(s), any Hadoop FileSystem URI; repeat or comma-separate for several runs.")
    List<String> codes;

    @Option(names = "--model", split = ",", paramLabel = "RUN",
            description = "Trained model(s): a run directory (its newest complete checkpoint) or a checkpoint file, any Hadoop "
                    + "FileSystem URI; repeat or comma-separate for a seed sweep. Needs --data.")
    List<String> models;

    @Option(names = "--data", description = "With --model: the shard data set to encode (Hadoop FileSystem URI).")
    String data;

    @Option(names = "--batch-size", defaultValue = "64", description = "With --model: images per forward pass (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--partitions", defaultValue = "0", description = "With --model: encoding tasks per model (default: Spark's default parallelism).")
    int partitions;

    @Option(names = "--run-names", split = ",", description = "Run ids, one per --codes file (default: from the file names).")
    List<String> runNames;

    @Option(names = "--metrics", defaultValue = "all", description = "all, or a comma-separated list of: factorvae, dci, mig, sap, modularity, explicitness, mcc (default ${DEFAULT-VALUE}).")
    String metrics;

    @Option(names = "--output", description = "Report directory (default: 'metrics' beside the first codes file; with --model, "
            + "RUN/eval for one run, 'eval-sweep' beside the first run for several).")
    String output;

    @Option(names = "--config", description = "Metric config YAML (default: the shipped conf/metrics.yaml).")
    java.nio.file.Path config;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one metric config key, e.g. --set sampling=iid (disentanglement_lib's i.i.d. draws with replacement) "
                    + "or --set mig.numPoints=2000 (repeatable). Unknown keys are errors.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--seed", description = "Override the config's seed.")
    Long seed;

    @Option(names = "--unit-size", defaultValue = "1", description = "Dims per unit of vector-valued codes; > 1 reduces each unit to its first principal component (default ${DEFAULT-VALUE}).")
    int unitSize;

    @Option(names = "--reconstruction", description = "With --model: also SSIM and MSE of each model's reconstructions from its code, "
            + "and of its first stage alone for a latent model (docs/first-stage.md), on the first --reconstruction-images rows.")
    boolean reconstruction;

    @Option(names = "--reconstruction-images", defaultValue = "256", description = "Rows reconstructed for --reconstruction (default ${DEFAULT-VALUE}).")
    int reconstructionImages;

    @Option(names = "--reconstruction-steps", defaultValue = "50", description = "DDIM steps of diffusion decoders for --reconstruction (default ${DEFAULT-VALUE}).")
    int reconstructionSteps;

    @Option(names = "--reconstruction-start", defaultValue = "INVERTED", description = "Where diffusion decoders start for --reconstruction: "
            + "INVERTED (the DDIM-inverted x_T, the papers' reconstructions) or NOISE (default ${DEFAULT-VALUE}).")
    org.factorlab.model.Decoding.Start reconstructionStart;

    @Option(names = "--verbose", description = "On an error, print the full stack trace too (by default one line says what failed).")
    boolean verbose;

    @Option(names = "--spark-master", description = "Spark master (default: spark.master from spark-submit, else local[*]).")
    String master;

    @Override
    public Integer call() throws Exception {
        String configText = config == null ? MetricsConfig.defaultText() : Files.readString(config, StandardCharsets.UTF_8);
        String source = config == null ? "conf/metrics.yaml" : config.toString();
        configText = MetricsConfig.withOverrides(configText, sets, source);
        MetricsConfig cfg = MetricsConfig.parse(configText, source);
        if (seed != null) {
            cfg = cfg.withSeed(seed);
            configText = cfg.toYaml(); // the provenance must hold the config actually used
        }
        boolean byModel = models != null && !models.isEmpty();
        if (byModel == (codes != null && !codes.isEmpty()))
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "give either --codes or --model (with --data)");
        if (byModel && data == null)
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--model needs --data (the shards to encode)");
        List<String> inputs = byModel ? models : codes;
        if (runNames != null && runNames.size() != inputs.size())
            throw new IllegalArgumentException(runNames.size() + " --run-names for " + inputs.size() + (byModel ? " --model values" : " --codes files"));
        List<MetricKind> kinds = MetricKind.parseList(metrics);
        if (reconstruction && !byModel)
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--reconstruction needs --model and --data (codes files cannot be decoded)");
        ReconstructionStage.Settings recon = reconstruction
                ? new ReconstructionStage.Settings(reconstructionImages, batchSize, reconstructionStart, reconstructionSteps, 0) : null;

        quietSpark();
        SparkConf conf = new SparkConf().setAppName("factorlab evaluate");
        if (master != null) conf.setMaster(master);
        else if (!conf.contains("spark.master")) conf.setMaster("local[*]");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            var runs = new ArrayList<EvaluationRun>();
            var used = new HashMap<String, Integer>();
            String out = output;
            for (int i = 0; i < inputs.size(); i++) {
                String in = inputs.get(i);
                ModelEncoding.LoadedModel model = byModel ? ModelEncoding.load(in, sc.hadoopConfiguration()) : null;
                String id = runNames != null ? runNames.get(i) : byModel ? modelRunId(model) : CodesFile.defaultRunId(in);
                int n = used.merge(id, 1, Integer::sum);
                if (n > 1 && runNames == null) id = id + "-" + n;
                if (byModel) {
                    if (out == null) out = defaultModelOutput(model, inputs.size());
                    EvaluationRun run = ModelEncoding.encode(sc, id, model, data, batchSize, partitions);
                    if (recon != null) run = run.withReconstruction(ReconstructionStage.measure(sc, model, data, recon, partitions));
                    runs.add(run);
                } else {
                    if (out == null) out = new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path(in).getParent(), "metrics").toString();
                    runs.add(CodesFile.read(in, id, sc.hadoopConfiguration(), unitSize));
                }
                System.out.printf(Locale.ROOT, "%s %s: %d codes x %d dims, %d factors%n", byModel ? "encoded" : "read", in,
                        runs.get(i).data().numPoints(), runs.get(i).data().codeDim(), runs.get(i).data().numFactors());
            }
            EvaluationReport report = EvaluationStage.evaluate(sc, runs, new MetricSuite(kinds, cfg), configText, out);
            System.out.println();
            System.out.print(Reports.markdown(report));
            System.out.printf(Locale.ROOT, "%nwrote %s/%s (%.1f s)%n", out, Reports.JSON, report.wallSeconds());
        }
        return 0;
    }

    /** The run directory's name, or the checkpoint file's stem. */
    static String modelRunId(ModelEncoding.LoadedModel m) {
        String name = m.runDir() != null ? new org.apache.hadoop.fs.Path(m.runDir()).getName()
                : new org.apache.hadoop.fs.Path(m.path()).getName().replaceFirst("\\.ckpt$", "");
        String id = name.replaceAll("[^A-Za-z0-9._-]", "_");
        return id.isEmpty() ? "model" : id;
    }

    /** RUN/eval for one model (RUN: the run directory, or the checkpoint's directory); several: 'eval-sweep' beside the first. */
    static String defaultModelOutput(ModelEncoding.LoadedModel m, int models) {
        org.apache.hadoop.fs.Path run = m.runDir() != null ? new org.apache.hadoop.fs.Path(m.runDir())
                : new org.apache.hadoop.fs.Path(m.path()).getParent();
        if (m.runDir() == null && run.getName().equals(org.factorlab.spark.RunDirectory.CHECKPOINTS)) run = run.getParent();
        return models == 1 ? new org.apache.hadoop.fs.Path(run, "eval").toString()
                : new org.apache.hadoop.fs.Path(run.getParent(), "eval-sweep").toString();
    }

    /** Spark's INFO start-up chatter hides the results on a terminal; our own progress stays at INFO. */
    public static void quietSpark() {
        org.apache.logging.log4j.core.config.Configurator.setRootLevel(org.apache.logging.log4j.Level.WARN);
        org.apache.logging.log4j.core.config.Configurator.setLevel("org.factorlab", org.apache.logging.log4j.Level.INFO);
    }
}
