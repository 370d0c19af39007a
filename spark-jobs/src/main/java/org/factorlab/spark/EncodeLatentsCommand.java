package org.factorlab.spark;

import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.factorlab.cli.CliCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code factorlab encode-latents}: image shards + a vqae checkpoint -> latent shards, on Spark. */
@Command(name = "encode-latents", mixinStandardHelpOptions = true,
        description = {"Encode every image of a shard dataset with a VQ first stage (a vqae checkpoint) on Spark and write latent "
                + "shards: the same rows in the same order, each keeping its image, index and factors and gaining its latent "
                + "(the column 'latent'). The manifest, written last, names the first stage's SHA-256 and the source manifest's "
                + "SHA-256; latent models (firstStage.checkpoint) refuse latents of another first stage."})
public final class EncodeLatentsCommand implements CliCommand, Callable<Integer> {
    @Option(names = "--first-stage", required = true, description = "The vqae checkpoint: a local path or Hadoop FileSystem URI.")
    String firstStage;

    @Option(names = "--data", required = true, description = "Image shards (Hadoop FileSystem URI).")
    String data;

    @Option(names = "--output", required = true, description = "Where the latent shards go (Hadoop FileSystem URI): new, empty, or "
            + "holding this same dataset (then left untouched).")
    String output;

    @Option(names = "--batch-size", defaultValue = "64", description = "Images per forward pass (default ${DEFAULT-VALUE}).")
    int batchSize;

    @Option(names = "--partitions", defaultValue = "0", description = "Tasks, one output shard each (default: Spark's default parallelism).")
    int partitions;

    @Option(names = "--master", description = "Spark master (default: spark.master from spark-submit, else local[*]).")
    String master;

    @Override
    public Integer call() {
        org.factorlab.evaluate.EvaluateCommand.quietSpark();
        SparkConf conf = new SparkConf().setAppName("factorlab encode-latents");
        if (master != null) conf.setMaster(master);
        else if (!conf.contains("spark.master")) conf.setMaster("local[*]");
        String cmd = "factorlab encode-latents --first-stage " + firstStage + " --data " + data + " --output " + output
                + " --batch-size " + batchSize + " --partitions " + partitions;
        try (JavaSparkContext sc = new JavaSparkContext(conf)) {
            sc.setLogLevel("WARN");
            LatentEncoding.Result r = LatentEncoding.run(sc, firstStage, data, output, batchSize, partitions, cmd);
            System.out.printf(Locale.ROOT, "wrote %d latent rows %s in %d shards to %s (%.1f s, %.0f images/s)%n", r.rows(),
                    r.manifest().latent().shape(), r.manifest().shardCount(), r.output(), r.seconds(), r.imagesPerSecond());
        }
        return 0;
    }
}
