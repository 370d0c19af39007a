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

/** {@code factorlab evaluate --codes FILE...}: scores codes files with the metric suite on Spark. */
@Command(name = "evaluate", mixinStandardHelpOptions = true,
        description = {"Compute disentanglement metrics in parallel on Spark (one task per metric, per factor where a metric "
                + "splits, per run) and write metrics.json (with provenance), metrics.md and metrics.html.",
                "Codes: FILE.npy with factors.npy (and optional factor_names.txt) beside it, or a CSV whose "
                        + "'factor:NAME' columns hold factor classes. Several --codes (e.g. a seed sweep) give mean ± std."})
public final class EvaluateCommand implements Callable<Integer>, CliCommand {
    @Option(names = "--codes", required = true, split = ",", paramLabel = "FILE",
            description = "Codes file(s), any Hadoop FileSystem URI; repeat or comma-separate for several runs.")
    List<String> codes;

    @Option(names = "--run-names", split = ",", description = "Run ids, one per --codes file (default: from the file names).")
    List<String> runNames;

    @Option(names = "--metrics", defaultValue = "all", description = "all, or a comma-separated list of: factorvae, dci, mig, sap, modularity, explicitness, mcc (default ${DEFAULT-VALUE}).")
    String metrics;

    @Option(names = "--output", description = "Report directory (default: 'metrics' beside the first codes file).")
    String output;

    @Option(names = "--config", description = "Metric config YAML (default: the shipped conf/metrics.yaml).")
    java.nio.file.Path config;

    @Option(names = "--seed", description = "Override the config's seed.")
    Long seed;

    @Option(names = "--unit-size", defaultValue = "1", description = "Dims per unit of vector-valued codes; > 1 reduces each unit to its first principal component (default ${DEFAULT-VALUE}).")
    int unitSize;

    @Option(names = "--spark-master", description = "Spark master (default: spark.master from spark-submit, else local[*]).")
    String master;

    @Override
    public Integer call() throws Exception {
        String configText = config == null ? MetricsConfig.defaultText() : Files.readString(config, StandardCharsets.UTF_8);
        MetricsConfig cfg = MetricsConfig.parse(configText, config == null ? "conf/metrics.yaml" : config.toString());
        if (seed != null) {
            cfg = cfg.withSeed(seed);
            configText = cfg.toYaml(); // the provenance must hold the config actually used
        }
        if (runNames != null && runNames.size() != codes.size())
            throw new IllegalArgumentException(runNames.size() + " --run-names for " + codes.size() + " --codes files");
        List<MetricKind> kinds = MetricKind.parseList(metrics);
        String out = output != null ? output : new org.apache.hadoop.fs.Path(new org.apache.hadoop.fs.Path(codes.get(0)).getParent(), "metrics").toString();

        quietSpark();
        SparkConf conf = new SparkConf().setAppName("factorlab evaluate");
        if (master != null) conf.setMaster(master);
        else if (!conf.contains("spark.master")) conf.setMaster("local[*]");
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            var runs = new ArrayList<EvaluationRun>();
            var used = new HashMap<String, Integer>();
            for (int i = 0; i < codes.size(); i++) {
                String id = runNames != null ? runNames.get(i) : CodesFile.defaultRunId(codes.get(i));
                int n = used.merge(id, 1, Integer::sum);
                if (n > 1 && runNames == null) id = id + "-" + n;
                runs.add(CodesFile.read(codes.get(i), id, sc.hadoopConfiguration(), unitSize));
                System.out.printf(Locale.ROOT, "read %s: %d codes x %d dims, %d factors%n", codes.get(i),
                        runs.get(i).data().numPoints(), runs.get(i).data().codeDim(), runs.get(i).data().numFactors());
            }
            EvaluationReport report = EvaluationStage.evaluate(sc, runs, new MetricSuite(kinds, cfg), configText, out);
            System.out.println();
            System.out.print(Reports.markdown(report));
            System.out.printf(Locale.ROOT, "%nwrote %s/%s (%.1f s)%n", out, Reports.JSON, report.wallSeconds());
        }
        return 0;
    }

    /** Spark's INFO start-up chatter hides the results on a terminal; our own progress stays at INFO. */
    static void quietSpark() {
        org.apache.logging.log4j.core.config.Configurator.setRootLevel(org.apache.logging.log4j.Level.WARN);
        org.apache.logging.log4j.core.config.Configurator.setLevel("org.factorlab", org.apache.logging.log4j.Level.INFO);
    }
}
