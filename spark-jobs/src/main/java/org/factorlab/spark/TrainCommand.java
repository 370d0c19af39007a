package org.factorlab.spark;

import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.cli.CliCommand;
import org.factorlab.train.Trainer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code factorlab train}: single-machine training with {@link Trainer} over the shard reader, or with {@code --spark}
 * parameter-averaging training on Spark (local[*] or a cluster). Both run the model's same training step.
 */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a model. Without --spark: on this machine (model-lib's Trainer), --steps steps of --batch-size, "
                + "checkpoints ckpt-<step>.zip and loss.csv in --run-dir (a local directory), resuming from its newest "
                + "checkpoint. With --spark: synchronous parameter averaging on Spark; writes config, provenance, "
                + "loss history and checkpoints to --run-dir and resumes with --resume. --checkpoint-every counts steps "
                + "on one machine and rounds on Spark.")
public final class TrainCommand implements CliCommand, Runnable {
    @Option(names = "--spark", description = "Train on Spark with parameter averaging.")
    boolean spark;

    @Mixin
    TrainOptions options;

    @Option(names = "--steps", defaultValue = "1000", description = "Single machine: total optimizer steps (default ${DEFAULT-VALUE}).")
    long steps;

    @Option(names = "--batch-size", description = "Single machine: minibatch size; sets train.batchSize (default: the config's).")
    Integer batchSize;

    @Option(names = "--log-every", defaultValue = "10", description = "Single machine: log every N steps (default ${DEFAULT-VALUE}).")
    int logEvery;

    @Override
    public void run() {
        if (spark) {
            TrainJobParams params = options.toParams(null);
            options.applyRestart(null);
            TrainResult r = TrainJob.run(params);
            System.out.println("run directory: " + r.runDir());
            System.out.println("final checkpoint: " + r.finalCheckpoint());
            return;
        }
        Trainer.Result r = trainHere();
        System.out.println("run directory: " + localDir(options.runDir));
        System.out.println("final checkpoint: " + r.lastCheckpoint());
    }

    /** One machine: the model's session over the data's endless, seeded minibatch stream. */
    Trainer.Result trainHere() {
        if (options.master != null || options.workers != 0)
            throw new IllegalArgumentException("--master/--workers apply to --spark training only");
        if (options.batchSizePerWorker != null)
            throw new IllegalArgumentException("--batch-size-per-worker applies to --spark training; use --batch-size");
        Configuration conf = new Configuration();
        TrainOptions.Resolved r = options.resolve(conf, batchSize);
        Path runDir = localDir(options.runDir);
        if (options.restart) discardLocalRun(runDir);
        WorkerData data = DataSources.open(options.data, conf);
        var plan = new LocalTraining.Plan(options.model, r.configText(), runDir, steps, logEvery, options.checkpointEvery,
                options.keepCheckpoints, options.maxWallSeconds);
        return LocalTraining.train(plan, data, conf, System.out, s -> s);
    }

    /** --restart on one machine: removes the checkpoints and loss.csv, so training starts at step 0. */
    private static void discardLocalRun(Path dir) {
        try {
            for (Path p : Trainer.checkpoints(dir)) java.nio.file.Files.delete(p);
            java.nio.file.Files.deleteIfExists(dir.resolve(Trainer.LOSS_CSV));
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(dir + ": cannot discard the previous run (" + e.getMessage() + ")", e);
        }
    }

    private static Path localDir(String runDir) {
        if (runDir.startsWith("file:")) return Path.of(java.net.URI.create(runDir));
        if (runDir.contains("://"))
            throw new IllegalArgumentException("--run-dir " + runDir + ": single-machine training writes to a local directory (use --spark for Hadoop FileSystems)");
        return Path.of(runDir);
    }
}
