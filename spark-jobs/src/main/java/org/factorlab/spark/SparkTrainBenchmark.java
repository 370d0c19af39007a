package org.factorlab.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.factorlab.cli.BenchmarkCommand;
import org.factorlab.toy.TinyModel;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code factorlab bench spark-train}: throughput of parameter-averaging training on local[1] and local[2], and the
 * averaging overhead (round time not spent in the slowest worker's training loop) as a share of round time at
 * several averaging frequencies. The first round of each run (session building, JIT) is not counted.
 */
@Command(name = "spark-train", mixinStandardHelpOptions = true,
        description = "Spark parameter-averaging throughput (local[1], local[2]) and averaging overhead per frequency.")
public final class SparkTrainBenchmark implements BenchmarkCommand, Runnable {
    /** The default workload: the tiny toy model on 32x32 toy images. */
    static final String DEFAULT_CONFIG = "image: {height: 32, width: 32, channels: 3}\nhidden: 256\noptimizer: adam\nlearningRate: 0.001\n";

    @Option(names = "--model", defaultValue = TinyModel.NAME, description = "Model (default ${DEFAULT-VALUE}).")
    String model;

    @Option(names = "--config", description = "Model config YAML (default: tiny model, 32x32 images, hidden 256).")
    String config;

    @Option(names = "--data", defaultValue = "toy:squares?size=32", description = "Data URI (default ${DEFAULT-VALUE}).")
    String data;

    @Option(names = "--batch-size-per-worker", defaultValue = "32", description = "Batch per worker (default ${DEFAULT-VALUE}).")
    int batch;

    @Option(names = "--rounds", defaultValue = "6", description = "Rounds per measurement, the first not counted (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--frequencies", split = ",", defaultValue = "1,5,20", description = "Averaging frequencies (default ${DEFAULT-VALUE}).")
    List<Integer> frequencies;

    @Option(names = "--cluster", defaultValue = "0", description = "Start a Spark standalone cluster on this machine with "
            + "this many executor JVMs of one core and measure on it (workers = executors) instead of local[1]/local[2].")
    int cluster;

    @Option(names = "--master", description = "Measure on this Spark master (e.g. spark://host:7077) instead of local[1]/local[2]; "
            + "with --workers.")
    String master;

    @Option(names = "--workers", defaultValue = "2", description = "Workers on --master (default ${DEFAULT-VALUE}).")
    int workers;

    @Option(names = "--executor-memory-mb", defaultValue = "2048", description = "Memory per executor JVM with --cluster (default ${DEFAULT-VALUE}).")
    int executorMemoryMb;

    @Option(names = "--conf", description = "Extra Spark setting KEY=VALUE (repeatable).")
    java.util.Map<String, String> conf = new java.util.LinkedHashMap<>();

    /** One measured run. */
    record Measurement(String master, int workers, int frequency, double imagesPerSecond, double overheadPercent,
                       double roundSeconds, double stepSeconds, AveragingBreakdown averaging) {
    }

    @Override
    public void run() {
        if (rounds < 2) throw new IllegalArgumentException("--rounds must be >= 2 (the first round is warm-up)");
        String cfg = config == null ? DEFAULT_CONFIG : TrainOptions.readConfig(config, null);
        Path tmp;
        try {
            tmp = Files.createTempDirectory("factorlab-bench-spark");
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        var results = new ArrayList<Measurement>();
        LocalStandaloneCluster started = null;
        try {
            if (cluster > 0) {
                started = LocalStandaloneCluster.start(tmp.resolve("cluster"), cluster, executorMemoryMb);
                for (int f : frequencies) results.add(measure(started, started.masterUrl(), cluster, f, cfg, tmp));
            } else if (master != null) {
                for (int f : frequencies) results.add(measure(null, master, workers, f, cfg, tmp));
            } else {
                results.add(measure(null, "local[1]", 1, 5, cfg, tmp));
                for (int f : frequencies) results.add(measure(null, "local[2]", 2, f, cfg, tmp));
            }
        } finally {
            if (started != null) started.close();
            deleteQuietly(tmp);
        }
        System.out.printf("%nspark-train benchmark: model %s, data %s, batch %d per worker, %d rounds (first excluded), %d cores%n",
                model, data, batch, rounds, Runtime.getRuntime().availableProcessors());
        System.out.printf("%-22s %7s %9s %12s %11s %9s %10s%n", "master", "workers", "avg.freq", "images/s", "overhead %", "round s", "step ms");
        for (Measurement m : results)
            System.out.printf("%-22s %7d %9d %12.1f %11.1f %9.3f %10.2f%n", m.master(), m.workers(), m.frequency(),
                    m.imagesPerSecond(), m.overheadPercent(), m.roundSeconds(), 1000 * m.stepSeconds());
        System.out.println("averaging per round (mean over the measured rounds):");
        for (Measurement m : results)
            System.out.printf("  %s, %d workers, frequency %d: %s%n", m.master(), m.workers(), m.frequency(), m.averaging().describe());
        results.stream().filter(m -> m.workers() >= 2 && m.frequency() == 5).findFirst().ifPresent(m ->
                System.out.printf("target: averaging overhead <= 10%% at frequency 5 on %s: %.1f%% -> %s%n", m.master(),
                        m.overheadPercent(), m.overheadPercent() <= 10 ? "met" : "NOT met"));
    }

    private Measurement measure(LocalStandaloneCluster on, String master, int workers, int frequency, String cfg, Path tmp) {
        TrainJobParams p = TrainJobParams.builder().model(model).config(config == null ? "<tiny 32x32>" : config, cfg)
                .data(data).runDir(tmp.resolve(master.replaceAll("\\W", "") + "-f" + frequency).toUri().toString())
                .workers(workers).averagingFrequency(frequency).batchSizePerWorker(batch).rounds(rounds)
                .checkpointEvery(Integer.MAX_VALUE).emaDecay(0.999).seed(1).sparkConf("spark.ui.enabled", "false").build();
        TrainResult r;
        org.apache.spark.SparkConf sparkConf = TrainJob.sparkConf(p).setMaster(master);
        conf.forEach(sparkConf::set);
        if (on != null) on.configure(sparkConf);
        try (JavaSparkContext sc = new JavaSparkContext(new SparkContext(sparkConf))) {
            sc.setLogLevel("WARN");
            r = TrainJob.run(sc, p);
        }
        List<RoundStats> h = r.history().subList(1, r.history().size());
        double secs = h.stream().mapToDouble(RoundStats::roundSeconds).sum();
        double avg = h.stream().mapToDouble(RoundStats::averagingSeconds).sum();
        double images = (double) h.size() * workers * frequency * batch;
        return new Measurement(master, workers, frequency, images / secs, 100 * avg / secs, secs / h.size(),
                h.stream().mapToDouble(RoundStats::stepSeconds).average().orElse(Double.NaN),
                AveragingBreakdown.mean(r.averaging().subList(1, r.averaging().size())));
    }

    private static void deleteQuietly(Path dir) {
        try (Stream<Path> s = Files.walk(dir)) {
            s.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
        } catch (IOException ignored) {
            // a temporary directory; the OS cleans it eventually
        }
    }
}
