package org.factorlab.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.factorlab.model.Families;
import org.factorlab.model.ModelFamily;
import org.factorlab.train.TrainSettings;
import picocli.CommandLine.Option;

/** The options of {@code factorlab train --spark} and of {@link TrainJob}'s spark-submit main class. */
public final class TrainOptions {
    @Option(names = "--model", required = true, description = "Model family (encdiff, betavae, betatcvae, factorvae, ivae, tiny, ...).")
    String model;

    @Option(names = "--config", required = true, description = "Model config YAML: a local path or Hadoop FileSystem URI.")
    String config;

    @Option(names = "--data", required = true, description = "Shards: Hadoop FileSystem URI (hdfs://..., file://...), or toy:squares.")
    String data;

    @Option(names = "--run-dir", required = true, description = "Run directory: Hadoop FileSystem URI.")
    String runDir;

    @Option(names = "--master", description = "Spark master (default: from spark-submit, else local[*]).")
    String master;

    @Option(names = "--workers", defaultValue = "0", description = "Parallel workers, one task each (default ${DEFAULT-VALUE}: Spark's default parallelism).")
    int workers;

    @Option(names = "--averaging-frequency", defaultValue = "5", description = "Minibatches per worker between averagings (default ${DEFAULT-VALUE}).")
    int averagingFrequency;

    @Option(names = "--batch-size-per-worker", description = "Minibatch size on each worker (default: the config's train.batchSize).")
    Integer batchSizePerWorker;

    @Option(names = "--rounds", defaultValue = "100", description = "Averaging rounds in total (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--checkpoint-every", defaultValue = "10", description = "Checkpoint every N rounds (default ${DEFAULT-VALUE}).")
    int checkpointEvery;

    @Option(names = "--keep-checkpoints", defaultValue = "3", description = "Newest checkpoints kept (default ${DEFAULT-VALUE}).")
    int keepCheckpoints;

    @Option(names = "--ema-decay", description = "EMA decay per step, 0 disables: sets train.emaDecay (default: the config's).")
    Double emaDecay;

    @Option(names = "--ema-warmup", description = "LitEma's warm-up of the EMA decay: sets train.emaWarmup to true (default: the config's).")
    boolean emaWarmup;

    @Option(names = "--seed", description = "Seed of initialisation and data order: sets train.seed (default: the config's, 0 in every shipped config).")
    Long seed;

    @Option(names = "--set", paramLabel = "KEY=VALUE",
            description = "Override one config key, e.g. --set model.beta=4 --set train.seed=1 (repeatable). Unknown keys and bad values are errors.")
    java.util.List<String> sets = new java.util.ArrayList<>();

    @Option(names = "--resume", description = "Continue from the newest complete checkpoint in --run-dir (an error if it has checkpoints but none is readable).")
    boolean resume;

    @Option(names = "--restart", description = "Discard the run in --run-dir (its checkpoints, history and job files) and start over at round 0.")
    boolean restart;

    @Option(names = "--aggregation-depth", defaultValue = "2", description = "treeAggregate depth (default ${DEFAULT-VALUE}).")
    int aggregationDepth;

    @Option(names = "--max-wall-seconds", defaultValue = "0", description = "Stop early, with a checkpoint, before a round would end past this many seconds of training (default ${DEFAULT-VALUE}: no limit).")
    double maxWallSeconds;

    @Option(names = "--conf", description = "Extra Spark setting KEY=VALUE for a context this command creates (repeatable).")
    Map<String, String> conf = new LinkedHashMap<>();

    /** The effective config and its train section, after the file, the flags and the {@code --set} overrides. */
    public record Resolved(String configText, TrainSettings train) {
    }

    /**
     * Reads the config file (through Hadoop, so hdfs:// works in cluster mode) and applies, in order, the flags that
     * stand for config keys ({@code --seed}, {@code --ema-decay}, {@code --ema-warmup}, and {@code batchSizeKey}'s
     * value where given) and then every {@code --set}.
     */
    Resolved resolve(Configuration hadoopConf, Integer batchSize) {
        ModelFamily family = Families.get(model);
        java.util.List<String> overrides = new java.util.ArrayList<>();
        if (seed != null) overrides.add("train.seed=" + seed);
        if (emaDecay != null) overrides.add("train.emaDecay=" + emaDecay);
        if (emaWarmup) overrides.add("train.emaWarmup=true");
        if (batchSize != null) overrides.add("train.batchSize=" + batchSize);
        overrides.addAll(sets);
        String effective = family.effectiveConfig(readConfig(config, hadoopConf), overrides, config);
        effective = family.withData(effective, DataSources.open(data, hadoopConf == null ? new Configuration() : hadoopConf).spec(), config);
        return new Resolved(effective, family.trainSettings(effective));
    }

    /** The validated job parameters of {@code --spark} training. */
    public TrainJobParams toParams(Configuration hadoopConf) {
        Resolved r = resolve(hadoopConf, null);
        TrainSettings t = r.train();
        var b = TrainJobParams.builder().model(model).config(config, r.configText()).data(data)
                .runDir(runDir).master(master).workers(workers).averagingFrequency(averagingFrequency)
                .batchSizePerWorker(batchSizePerWorker != null ? batchSizePerWorker : t.batchSize()).rounds(rounds)
                .checkpointEvery(checkpointEvery).keepCheckpoints(keepCheckpoints).emaDecay(t.emaDecay())
                .emaWarmup(t.emaWarmup()).seed(t.seed()).resume(resume)
                .aggregationDepth(aggregationDepth).maxWallSeconds(maxWallSeconds);
        conf.forEach(b::sparkConf);
        return b.build();
    }

    /** {@code --restart}: removes the previous run from the Spark run directory before the job starts. */
    void applyRestart(Configuration hadoopConf) {
        if (!restart) return;
        if (resume) throw new IllegalArgumentException("--resume and --restart exclude each other: continue the run, or start it over");
        RunDirectory dir = new RunDirectory(runDir, hadoopConf == null ? new Configuration() : hadoopConf);
        dir.discardRun();
        org.slf4j.LoggerFactory.getLogger(TrainOptions.class).info("--restart: discarded the previous run in {}", dir.root());
    }

    /** A config file's text, through Hadoop (a local path or any FileSystem URI); errors name the file. */
    public static String readConfig(String location, Configuration conf) {
        Path p = new Path(location);
        try (InputStream in = p.getFileSystem(conf == null ? new Configuration() : conf).open(p)) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("--config " + location + ": cannot read (" + e.getMessage() + ")", e);
        }
    }
}
