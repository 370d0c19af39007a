package org.factorlab.metrics;

import java.util.List;

/**
 * How a metric splits into independent tasks: {@link #parts} tasks (one per factor for DCI, SAP and
 * explicitness, else one), each a pure function of (data, config, part), then a cheap {@link #combine}.
 * Every part derives its randomness from the config's seed and the metric alone, so parts run anywhere, in any
 * order, give the same result.
 */
interface Metric {
    MetricKind kind();

    default int parts(CodesAndFactors data) {
        return 1;
    }

    TaskResult run(CodesAndFactors data, MetricsConfig config, int part);

    /**
     * The rows this metric scores: {rows} or {train rows, test rows}; empty where the metric draws its own
     * batches (FactorVAE). Deterministic in the config's seed.
     */
    java.util.List<int[]> rows(CodesAndFactors data, MetricsConfig config, java.util.List<String> warnings);

    static java.util.List<int[]> pair(Sampling.Split s) {
        return java.util.List.of(s.train(), s.test());
    }

    MetricResult combine(CodesAndFactors data, MetricsConfig config, List<TaskResult> parts);

    /** All parts in this thread, then combined. */
    default MetricResult computeAll(CodesAndFactors data, MetricsConfig config) {
        var results = new java.util.ArrayList<TaskResult>();
        for (int p = 0; p < parts(data); p++) results.add(run(data, config, p));
        return combine(data, config, results);
    }
}
