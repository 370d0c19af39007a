package org.factorlab.sweep;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.factorlab.cli.CliCommand;
import org.factorlab.cli.CliErrors;
import org.factorlab.spark.TrainOptions;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code factorlab sweep --spec sweep.yaml [--output DIR]}; also the spark-submit main class
 * ({@code --class org.factorlab.sweep.SweepCommand}).
 */
@Command(name = "sweep", mixinStandardHelpOptions = true,
        description = {"Train a grid (or a random search) of configs x seeds as Spark tasks, one point per executor slot, score "
                + "every point with the evaluation stage, and write results.md/.html/.csv grouped by config (mean ± std over seeds).",
                "Rerunning skips finished points and resumes unfinished ones from their checkpoints. See docs/sweeps.md."})
public final class SweepCommand implements CliCommand, Callable<Integer> {
    @Option(names = "--spec", required = true, description = "Sweep spec YAML (local path or Hadoop FileSystem URI).")
    String spec;

    @Option(names = "--output", description = "Sweep directory, any Hadoop FileSystem URI (default: sweeps/<spec name>).")
    String output;

    @Option(names = "--set", paramLabel = "KEY=VALUE", description = "Override a key of the spec, e.g. --set data=hdfs:///shards/shapes3d "
            + "--set budget.steps=5000 (repeatable; the axes are set in the file).")
    java.util.List<String> sets = new java.util.ArrayList<>();

    @Option(names = "--master", description = "Spark master (default: from spark-submit, else local[*]).")
    String master;

    @Option(names = "--retry-failed", description = "Train points that failed for good in an earlier run again.")
    boolean retryFailed;

    @Option(names = "--staging", defaultValue = "AUTO", description = "Where points train: AUTO (in the run directory on the local "
            + "file system, else in a local directory mirrored up), DIRECT or STAGED (default ${DEFAULT-VALUE}).")
    Staging staging;

    @Option(names = "--mirror-seconds", defaultValue = "30", description = "Staged points copy new checkpoints up this often (default ${DEFAULT-VALUE}).")
    double mirrorSeconds;

    @Option(names = "--conf", description = "Extra Spark setting KEY=VALUE for the context this command creates (repeatable).")
    Map<String, String> conf = new LinkedHashMap<>();

    @Option(names = "--verbose", description = "On an error, print the full stack trace too.")
    boolean verbose;

    public static void main(String[] args) {
        CommandLine cl = new CommandLine(new SweepCommand());
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> CliErrors.report(ex, cmd));
        System.exit(cl.execute(args));
    }

    @Override
    public Integer call() throws Exception {
        String text = TrainOptions.readConfig(spec, new Configuration());
        SweepSpec s = SweepSpec.parse(text, sets, spec);
        String out = output != null ? output : "sweeps/" + new org.apache.hadoop.fs.Path(spec).getName().replaceFirst("\\.ya?ml$", "");
        org.factorlab.evaluate.EvaluateCommand.quietSpark();
        // the training job's serialization, so that points in averaged mode can run in this context too
        SparkConf sc = org.factorlab.spark.TrainJob.withSerialization(new SparkConf().setAppName("factorlab sweep " + out));
        if (master != null) sc.setMaster(master);
        else if (!sc.contains("spark.master")) sc.setMaster("local[*]");
        sc.setIfMissing("spark.ui.showConsoleProgress", "false");
        conf.forEach(sc::set);
        try (JavaSparkContext jsc = new JavaSparkContext(sc)) {
            jsc.setLogLevel("WARN");
            String recorded = sets.isEmpty() ? text : text + "\n# --set " + String.join(" --set ", sets) + "\n";
            SweepRunner.run(jsc, s, recorded, spec, out, new SweepRunner.Options(retryFailed, staging, mirrorSeconds), System.out);
        }
        return 0;
    }
}
