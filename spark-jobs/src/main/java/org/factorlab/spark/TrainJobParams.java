package org.factorlab.spark;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;

/**
 * Validated parameters of a {@link TrainJob}. Build with {@link #builder()}; every setter names its field in the
 * error it throws.
 *
 * @param model              model family name as registered in {@code Families} ("encdiff", "tiny", ...)
 * @param configText         the model's YAML config, the effective config (defaults, file and overrides merged), passed verbatim to {@code Families.open}
 * @param configName         where the config came from (file name), for messages and provenance
 * @param data               Hadoop FileSystem URI of the shards (or {@code toy:squares} for the toy dataset)
 * @param runDir             Hadoop FileSystem URI of the run directory
 * @param master             Spark master, or null to take it from spark-submit / the environment
 * @param workers            parallel workers (= partitions = tasks per round); 0 means Spark's default parallelism
 * @param averagingFrequency minibatches each worker trains between two averagings
 * @param batchSizePerWorker minibatch size on each worker
 * @param rounds             total averaging rounds of the run (a resumed run continues up to this number)
 * @param checkpointEvery    write a checkpoint every this many rounds (and after the last one)
 * @param keepCheckpoints    how many of the newest checkpoints to keep
 * @param emaDecay           EMA decay per optimizer step (applied per round as the product of the round's per-step
 *                           decays); 0 disables
 * @param emaWarmup          LitEma's warm-up of the decay, {@code min(decay, (1 + n) / (10 + n))} at step n
 * @param seed               seed of the model's initialisation and of every worker's data order
 * @param resume             continue from the newest complete checkpoint in runDir
 * @param aggregationDepth   depth of Spark's treeAggregate
 * @param sparkConf          extra Spark settings for a context this job creates itself
 * @param maxWallSeconds     stop early (with a checkpoint) before a round would end past this many seconds of
 *                           training; 0 means no limit
 */
public record TrainJobParams(String model, String configText, String configName, String data, String runDir,
                             String master, int workers, int averagingFrequency, int batchSizePerWorker, int rounds,
                             int checkpointEvery, int keepCheckpoints, double emaDecay, long seed, boolean resume,
                             int aggregationDepth, Map<String, String> sparkConf, double maxWallSeconds, boolean emaWarmup) {
    public TrainJobParams {
        require(model != null && !model.isBlank(), "model", "is required");
        require(configText != null && !configText.isBlank(), "config", "is required (the model's YAML text)");
        if (configName == null || configName.isBlank()) configName = "<inline config>";
        require(data != null && !data.isBlank(), "data", "is required (a Hadoop FileSystem URI of the shards)");
        require(runDir != null && !runDir.isBlank(), "runDir", "is required (a Hadoop FileSystem URI)");
        require(workers >= 0, "workers", "must be >= 0 (0 = Spark's default parallelism), got " + workers);
        require(averagingFrequency >= 1, "averagingFrequency", "must be >= 1, got " + averagingFrequency);
        require(batchSizePerWorker >= 1, "batchSizePerWorker", "must be >= 1, got " + batchSizePerWorker);
        require(rounds >= 1, "rounds", "must be >= 1, got " + rounds);
        require(checkpointEvery >= 1, "checkpointEvery", "must be >= 1, got " + checkpointEvery);
        require(keepCheckpoints >= 1, "keepCheckpoints", "must be >= 1, got " + keepCheckpoints);
        require(emaDecay >= 0 && emaDecay < 1, "emaDecay", "must be in [0, 1), got " + emaDecay);
        require(aggregationDepth >= 1, "aggregationDepth", "must be >= 1, got " + aggregationDepth);
        require(maxWallSeconds >= 0 && !Double.isNaN(maxWallSeconds), "maxWallSeconds", "must be >= 0 (0 = no limit), got " + maxWallSeconds);
        sparkConf = Map.copyOf(sparkConf == null ? Map.of() : sparkConf);
    }

    private static void require(boolean ok, String field, String message) {
        if (!ok) throw new IllegalArgumentException("train job parameter " + field + ": " + message);
    }

    public static Builder builder() {
        return new Builder();
    }

    /** A builder preset with these values (e.g. to resume the same job, or to run it longer). */
    public Builder toBuilder() {
        Builder b = new Builder();
        b.model = model; b.configText = configText; b.configName = configName; b.data = data; b.runDir = runDir;
        b.master = master; b.workers = workers; b.averagingFrequency = averagingFrequency;
        b.batchSizePerWorker = batchSizePerWorker; b.rounds = rounds; b.checkpointEvery = checkpointEvery;
        b.keepCheckpoints = keepCheckpoints; b.emaDecay = emaDecay; b.seed = seed; b.resume = resume;
        b.aggregationDepth = aggregationDepth; b.sparkConf.putAll(sparkConf); b.maxWallSeconds = maxWallSeconds;
        b.emaWarmup = emaWarmup;
        return b;
    }

    /** Mutable builder with the defaults of the command line. */
    public static final class Builder {
        private String model;
        private String configText;
        private String configName;
        private String data;
        private String runDir;
        private String master;
        private int workers;
        private int averagingFrequency = 5;
        private int batchSizePerWorker = 16;
        private int rounds = 100;
        private int checkpointEvery = 10;
        private int keepCheckpoints = 3;
        private double emaDecay = 0.999;
        private long seed;
        private boolean resume;
        private int aggregationDepth = 2;
        private final Map<String, String> sparkConf = new LinkedHashMap<>();
        private double maxWallSeconds;
        private boolean emaWarmup;

        private Builder() {
        }

        public Builder model(String v) { model = v; return this; }
        public Builder config(String name, String text) { configName = name; configText = text; return this; }
        public Builder data(String v) { data = v; return this; }
        public Builder runDir(String v) { runDir = v; return this; }
        public Builder master(String v) { master = v; return this; }
        public Builder workers(int v) { workers = v; return this; }
        public Builder averagingFrequency(int v) { averagingFrequency = v; return this; }
        public Builder batchSizePerWorker(int v) { batchSizePerWorker = v; return this; }
        public Builder rounds(int v) { rounds = v; return this; }
        public Builder checkpointEvery(int v) { checkpointEvery = v; return this; }
        public Builder keepCheckpoints(int v) { keepCheckpoints = v; return this; }
        public Builder emaDecay(double v) { emaDecay = v; return this; }
        public Builder seed(long v) { seed = v; return this; }
        public Builder resume(boolean v) { resume = v; return this; }
        public Builder aggregationDepth(int v) { aggregationDepth = v; return this; }
        public Builder maxWallSeconds(double v) { maxWallSeconds = v; return this; }
        public Builder emaWarmup(boolean v) { emaWarmup = v; return this; }
        public Builder sparkConf(String key, String value) { sparkConf.put(Objects.requireNonNull(key), Objects.requireNonNull(value)); return this; }

        public TrainJobParams build() {
            return new TrainJobParams(model, configText, configName, data, runDir, master, workers, averagingFrequency,
                    batchSizePerWorker, rounds, checkpointEvery, keepCheckpoints, emaDecay, seed, resume,
                    aggregationDepth, sparkConf, maxWallSeconds, emaWarmup);
        }
    }
}
