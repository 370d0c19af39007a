package org.factorlab.metrics;

import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

/**
 * Runs a chosen set of metrics on one (codes, factors) pair.
 *
 * <p>Task decomposition: {@link #tasks} lists independent {@link MetricTask}s (DCI, SAP and explicitness one
 * per factor, the others one each). Each task is a pure function of (data, config) — its randomness comes from
 * the config's seed and the metric only — so tasks can run in any order, in threads or on Spark executors, and
 * {@link #combine} turns the {@link TaskResult}s into the same {@link SuiteResult} a sequential run gives.
 * {@link #run} does all of it in a local thread pool.
 */
public final class MetricSuite {
    private final List<MetricKind> metrics;
    private final MetricsConfig config;

    public MetricSuite(List<MetricKind> metrics, MetricsConfig config) {
        if (metrics.isEmpty()) throw new IllegalArgumentException("no metric chosen");
        this.metrics = List.copyOf(metrics);
        this.config = config;
    }

    public static MetricSuite all(MetricsConfig config) {
        return new MetricSuite(List.of(MetricKind.values()), config);
    }

    public List<MetricKind> metrics() {
        return metrics;
    }

    public MetricsConfig config() {
        return config;
    }

    /** The independent tasks for this data, most expensive metrics first (better packing on few workers). */
    public List<MetricTask> tasks(CodesAndFactors data) {
        var out = new ArrayList<MetricTask>();
        for (MetricKind m : metrics) for (int p = 0; p < m.impl().parts(data); p++) out.add(new MetricTask(m, p));
        out.sort(java.util.Comparator.comparingInt(t -> cost(t.metric())));
        return out;
    }

    private static int cost(MetricKind m) {
        return switch (m) {
            case DCI -> 0;
            case SAP -> 1;
            case EXPLICITNESS -> 2;
            default -> 3;
        };
    }

    /** Combines the results of all {@link #tasks} (any order) into one result per metric. */
    public SuiteResult combine(CodesAndFactors data, List<TaskResult> results) {
        Map<MetricKind, List<TaskResult>> byMetric = new EnumMap<>(MetricKind.class);
        for (TaskResult r : results) byMetric.computeIfAbsent(r.task().metric(), k -> new ArrayList<>()).add(r);
        var out = new ArrayList<MetricResult>();
        for (MetricKind m : metrics) {
            List<TaskResult> parts = new ArrayList<>(byMetric.getOrDefault(m, List.of()));
            parts.sort(java.util.Comparator.comparingInt(r -> r.task().part()));
            int expected = m.impl().parts(data);
            for (int p = 0; p < expected; p++)
                if (p >= parts.size() || parts.get(p).task().part() != p)
                    throw new IllegalArgumentException(m.id() + ": result of part " + p + " of " + expected + " is missing or duplicated");
            if (parts.size() != expected) throw new IllegalArgumentException(m.id() + ": " + parts.size() + " results for " + expected + " parts");
            long nanos = parts.stream().mapToLong(TaskResult::nanos).sum();
            out.add(m.impl().combine(data, config, parts).withNanos(nanos));
        }
        return new SuiteResult(out);
    }

    /**
     * The rows a metric scores ({rows} or {train, test}), e.g. to reproduce it with another library on the same
     * points; empty for FactorVAE, which draws its own batches.
     */
    public List<int[]> rowsUsed(MetricKind metric, CodesAndFactors data) {
        return metric.impl().rows(data, config, new ArrayList<>());
    }

    /** Runs every task in a pool of {@code threads} threads and combines them. */
    public SuiteResult run(CodesAndFactors data, int threads) {
        List<MetricTask> tasks = tasks(data);
        if (threads <= 1) {
            var results = new ArrayList<TaskResult>();
            for (MetricTask t : tasks) results.add(t.run(data, config));
            return combine(data, results);
        }
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "metric-task");
            t.setDaemon(true);
            return t;
        });
        try {
            var futures = new ArrayList<Future<TaskResult>>();
            for (MetricTask t : tasks) futures.add(pool.submit(() -> t.run(data, config)));
            var results = new ArrayList<TaskResult>();
            for (Future<TaskResult> f : futures) results.add(f.get());
            return combine(data, results);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted while computing metrics", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof RuntimeException re) throw re;
            throw new IllegalStateException(c.getMessage(), c);
        } finally {
            pool.shutdownNow();
        }
    }

    public SuiteResult run(CodesAndFactors data) {
        return run(data, 1);
    }
}
