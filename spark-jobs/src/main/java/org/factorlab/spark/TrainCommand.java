package org.factorlab.spark;

import org.factorlab.cli.CliCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code factorlab train --spark ...}: parameter-averaging training on Spark (local[*] or a cluster). */
@Command(name = "train", mixinStandardHelpOptions = true,
        description = "Train a model. With --spark: synchronous parameter averaging on Spark; writes config, provenance, "
                + "loss history and checkpoints to --run-dir and resumes with --resume.")
public final class TrainCommand implements CliCommand, Runnable {
    @Option(names = "--spark", description = "Train on Spark with parameter averaging.")
    boolean spark;

    @Mixin
    TrainOptions options;

    @Override
    public void run() {
        if (!spark)
            throw new IllegalArgumentException("this command trains with Spark: pass --spark (with --master local[N] on "
                    + "one machine); single-machine training is org.factorlab.train.Trainer");
        TrainResult r = TrainJob.run(options.toParams(null));
        System.out.println("run directory: " + r.runDir());
        System.out.println("final checkpoint: " + r.finalCheckpoint());
    }
}
