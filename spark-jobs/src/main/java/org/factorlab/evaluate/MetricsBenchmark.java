package org.factorlab.evaluate;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import org.factorlab.cli.BenchmarkCommand;
import org.factorlab.metrics.CodesAndFactors;
import org.factorlab.metrics.MetricKind;
import org.factorlab.metrics.MetricResult;
import org.factorlab.metrics.MetricSuite;
import org.factorlab.metrics.MetricsConfig;
import org.factorlab.metrics.SuiteResult;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code factorlab bench metrics}: times each metric on synthetic codes from a Shapes3D-like factor grid with a
 * known mixing, then runs bench/metrics_reference.py (scikit-learn, the way disentanglement_lib computes each
 * metric) on the same codes and the same sampled rows, and prints per-metric times, ratios and value differences.
 */
@Command(name = "metrics", mixinStandardHelpOptions = true,
        description = "Time the metric suite on N x D synthetic codes and compare with a scikit-learn reference.")
public final class MetricsBenchmark implements Callable<Integer>, BenchmarkCommand {
    /** Tolerances: |java - reference| allowed per value, and why (see docs/metrics.md). */
    static final Map<String, Double> TOLERANCE = new LinkedHashMap<>();

    static {
        TOLERANCE.put("factorvae", 0.03);              // own vote sampling on each side: binomial noise of 5000 votes
        TOLERANCE.put("dci.disentanglement", 0.05);    // XGBoost vs sklearn trees: different split criteria and thresholds
        TOLERANCE.put("dci.completeness", 0.05);
        TOLERANCE.put("dci.informativeness", 0.03);
        TOLERANCE.put("mig", 1e-9);                    // same rows, same arithmetic
        TOLERANCE.put("sap", 0.01);                    // exact SVM minimum vs liblinear stopping at tolerance 1e-4
        TOLERANCE.put("modularity", 1e-9);
        TOLERANCE.put("explicitness", 0.002);          // exact logistic minimum vs liblinear stopping at tolerance 1e-4
        TOLERANCE.put("mcc", 1e-9);
    }

    @Option(names = "--rows", description = "Number of codes (default ${DEFAULT-VALUE}).")
    int rows = 10_000;

    @Option(names = "--dims", description = "Code dims, >= 6 (default ${DEFAULT-VALUE}).")
    int dims = 20;

    @Option(names = "--threads", description = "Threads for the parallel suite run (default: all cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--metrics", description = "all, or a comma-separated list (default ${DEFAULT-VALUE}).")
    String metrics = "all";

    @Option(names = "--python", description = "Python with numpy, scipy, scikit-learn (default ${DEFAULT-VALUE}).")
    String python = "/usr/bin/python3";

    @Option(names = "--reference-script", description = "Default: bench/metrics_reference.py of the project.")
    Path script;

    @Option(names = "--no-reference", description = "Time the Java suite only.")
    boolean noReference;

    @Option(names = "--seed", description = "Seed of data and metrics (default ${DEFAULT-VALUE}).")
    long seed = 0;

    @Option(names = "--repeat", description = "Runs per metric on each side, best time kept; a metric stops repeating once its runs "
            + "took --budget seconds, so long ones (DCI) run once (default ${DEFAULT-VALUE}).")
    int repeat = 3;

    @Option(names = "--budget", description = "Seconds per metric after which it is not repeated (default ${DEFAULT-VALUE}).")
    double budget = 10;

    /** Best wall and CPU seconds of a metric over its runs. */
    record Timing(double wall, double cpu, int runs) {
    }

    @Override
    public Integer call() throws Exception {
        if (dims < 6) throw new IllegalArgumentException("--dims must be >= 6 (one per Shapes3D factor)");
        if (repeat < 1) throw new IllegalArgumentException("--repeat must be >= 1, got " + repeat);
        MetricsConfig config = MetricsConfig.defaults().withSeed(seed);
        List<MetricKind> kinds = MetricKind.parseList(metrics);
        CodesAndFactors data = syntheticShapes3d(rows, dims, seed);
        System.out.printf(Locale.ROOT, "codes %d x %d from a Shapes3D factor grid [10,10,10,8,4,15], known mixing + noise; seed %d%n",
                rows, dims, seed);

        // warm-up (JIT, native libraries) on a small copy, then per-metric sequential timings
        new MetricSuite(kinds, config).run(syntheticShapes3d(2000, dims, seed + 1), 1);
        var javaSeconds = new LinkedHashMap<MetricKind, Timing>();
        var javaResults = new LinkedHashMap<MetricKind, MetricResult>();
        var cpuClock = java.lang.management.ManagementFactory.getThreadMXBean();
        for (MetricKind k : kinds) {
            double best = Double.POSITIVE_INFINITY, bestCpu = Double.POSITIVE_INFINITY, spent = 0;
            int runs = 0;
            while (runs < repeat && (runs == 0 || spent < budget)) {
                long c0 = cpuClock.getCurrentThreadCpuTime(), t0 = System.nanoTime();
                SuiteResult r = new MetricSuite(List.of(k), config).run(data, 1);
                double wall = (System.nanoTime() - t0) / 1e9, cpu = (cpuClock.getCurrentThreadCpuTime() - c0) / 1e9;
                best = Math.min(best, wall);
                bestCpu = Math.min(bestCpu, cpu);
                spent += wall;
                runs++;
                javaResults.put(k, r.get(k));
            }
            javaSeconds.put(k, new Timing(best, bestCpu, runs));
            System.out.printf(Locale.ROOT, "  java %-13s %8.3f s (1 thread, best of %d; cpu %.3f s)%n", k.id(), best, runs, bestCpu);
        }
        long t0 = System.nanoTime();
        SuiteResult parallel = new MetricSuite(kinds, config).run(data, threads);
        double parallelSeconds = (System.nanoTime() - t0) / 1e9;
        double sequentialSeconds = javaSeconds.values().stream().mapToDouble(Timing::wall).sum();
        double sequentialCpu = javaSeconds.values().stream().mapToDouble(Timing::cpu).sum();
        System.out.printf(Locale.ROOT, "  java suite: %.2f s on 1 thread, %.2f s on %d threads%n", sequentialSeconds, parallelSeconds, threads);
        for (MetricKind k : kinds)
            if (!parallel.get(k).values().equals(javaResults.get(k).values()))
                throw new IllegalStateException(k.id() + ": the threaded run differs from the sequential run");
        if (noReference) return 0;

        Path dir = Files.createTempDirectory("factorlab-bench-metrics");
        try {
            writeInputs(dir, data, config, kinds);
            JsonNode ref = runReference(dir, kinds);
            return report(kinds, javaSeconds, javaResults, ref, sequentialSeconds, sequentialCpu, parallelSeconds);
        } finally {
            try (var s = Files.walk(dir)) {
                s.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
            }
        }
    }

    private int report(List<MetricKind> kinds, Map<MetricKind, Timing> javaSeconds, Map<MetricKind, MetricResult> javaResults,
                       JsonNode ref, double sequential, double sequentialCpu, double parallel) {
        System.out.println();
        System.out.println("Times: best of the runs per metric (wall clock; CPU: the Java thread, the Python process). Speed-up = scikit-learn / Java.");
        System.out.println();
        System.out.println("| metric | java s | sklearn s | speed-up | java cpu s | sklearn cpu s | cpu speed-up | value | java | reference | |diff| | tolerance | ok |");
        System.out.println("|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---:|---:|---|");
        double refTotal = 0, refCpuTotal = 0;
        boolean allOk = true;
        for (MetricKind k : kinds) {
            JsonNode r = ref.get(k.id());
            double rs = r.get("seconds").asDouble(), rc = r.path("cpu_seconds").asDouble(rs);
            refTotal += rs;
            refCpuTotal += rc;
            Timing js = javaSeconds.get(k);
            boolean first = true;
            for (String name : k.headline()) {
                if (!TOLERANCE.containsKey(name)) continue;
                Double jv = javaResults.get(k).values().get(name);
                JsonNode rv = r.get("values").get(name);
                if (jv == null || rv == null) continue;
                double diff = Math.abs(jv - rv.asDouble());
                boolean ok = diff <= TOLERANCE.get(name);
                allOk &= ok;
                String times = first
                        ? String.format(Locale.ROOT, "%s | %.3f | %.3f | %.1fx | %.3f | %.3f | %.1fx", k.id(), js.wall(), rs, rs / js.wall(), js.cpu(), rc, rc / js.cpu())
                        : " | | | | | | ";
                System.out.printf(Locale.ROOT, "| %s | %s | %.4f | %.4f | %.2g | %.2g | %s |%n", times, name, jv, rv.asDouble(), diff,
                        TOLERANCE.get(name), ok ? "yes" : "NO");
                first = false;
            }
        }
        System.out.printf(Locale.ROOT, "%nwhole suite: java %.2f s on 1 thread (%.1fx), %.2f s on %d threads (%.1fx); scikit-learn reference %.2f s (1 process)%n",
                sequential, refTotal / sequential, parallel, threads, refTotal / parallel, refTotal);
        System.out.printf(Locale.ROOT, "whole suite, CPU: java %.2f s, scikit-learn %.2f s (%.1fx)%n", sequentialCpu, refCpuTotal, refCpuTotal / sequentialCpu);
        System.out.println(allOk ? "all values within tolerance" : "SOME VALUES OUTSIDE TOLERANCE");
        return allOk ? 0 : 2;
    }

    private void writeInputs(Path dir, CodesAndFactors data, MetricsConfig config, List<MetricKind> kinds) throws IOException {
        try (OutputStream o = Files.newOutputStream(dir.resolve("codes.npy"))) {
            Npy.writeDoubles(o, data.codes());
        }
        try (OutputStream o = Files.newOutputStream(dir.resolve("factors.npy"))) {
            Npy.writeInts(o, data.factors());
        }
        MetricSuite suite = new MetricSuite(kinds, config);
        for (MetricKind k : kinds) {
            List<int[]> used = suite.rowsUsed(k, data);
            if (used.size() == 1) writeRows(dir.resolve("rows_" + k.id() + ".npy"), used.get(0));
            if (used.size() == 2) {
                writeRows(dir.resolve("rows_" + k.id() + "_train.npy"), used.get(0));
                writeRows(dir.resolve("rows_" + k.id() + "_test.npy"), used.get(1));
            }
        }
        ObjectMapper json = new ObjectMapper();
        Files.writeString(dir.resolve("config.json"), json.writeValueAsString(config), StandardCharsets.UTF_8);
    }

    private static void writeRows(Path p, int[] rows) throws IOException {
        try (OutputStream o = Files.newOutputStream(p)) {
            Npy.writeVector(o, rows);
        }
    }

    private JsonNode runReference(Path dir, List<MetricKind> kinds) throws IOException, InterruptedException {
        Path s = script != null ? script : findScript();
        System.out.println("running the scikit-learn reference " + s + " (this takes a while) ...");
        var cmd = new ArrayList<>(List.of(python, s.toString(), dir.toString(), String.join(",", kinds.stream().map(MetricKind::id).toList()),
                Integer.toString(repeat), Double.toString(budget)));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).redirectOutput(dir.resolve("ref.json").toFile()).start();
        int rc = p.waitFor();
        if (rc != 0) throw new IllegalStateException("reference script " + s + " failed with exit code " + rc);
        return new ObjectMapper().readTree(dir.resolve("ref.json").toFile());
    }

    private static Path findScript() {
        Path rel = Path.of("bench", "metrics_reference.py");
        if (Files.isRegularFile(rel)) return rel.toAbsolutePath();
        try {
            Path p = Path.of(MetricsBenchmark.class.getProtectionDomain().getCodeSource().getLocation().toURI());
            for (Path q = p; q != null; q = q.getParent())
                if (Files.isRegularFile(q.resolve(rel))) return q.resolve(rel);
        } catch (java.net.URISyntaxException | SecurityException e) {
            // fall through
        }
        throw new IllegalArgumentException("cannot find bench/metrics_reference.py; pass --reference-script");
    }

    /**
     * n rows drawn uniformly from the Shapes3D grid; codes = known mixing of the factors (scaled to [0, 1]):
     * dims 0-5 each mostly one factor (weight 1) plus 0.3 of the next factor, the other dims a random mix of
     * all factors with small weights, plus Gaussian noise 0.05.
     */
    public static CodesAndFactors syntheticShapes3d(int n, int dims, long seed) {
        int[] sizes = {10, 10, 10, 8, 4, 15};
        Random r = new Random(seed);
        int k = sizes.length;
        double[][] mix = new double[dims][k];
        for (int d = 0; d < dims; d++) {
            if (d < k) {
                mix[d][d] = 1;
                mix[d][(d + 1) % k] = 0.3;
            } else {
                for (int j = 0; j < k; j++) mix[d][j] = 0.1 * r.nextGaussian();
            }
        }
        int[][] f = new int[n][k];
        double[][] c = new double[n][dims];
        for (int i = 0; i < n; i++) {
            double[] v = new double[k];
            for (int j = 0; j < k; j++) {
                f[i][j] = r.nextInt(sizes[j]);
                v[j] = f[i][j] / (double) (sizes[j] - 1);
            }
            for (int d = 0; d < dims; d++) {
                double s = 0;
                for (int j = 0; j < k; j++) s += mix[d][j] * v[j];
                c[i][d] = s + 0.05 * r.nextGaussian();
            }
        }
        return new CodesAndFactors(c, f, List.of("floor_hue", "wall_hue", "object_hue", "scale", "shape", "orientation"));
    }
}
