package org.factorlab.metrics;

import java.io.Serializable;

/** One independent unit of work: a metric, and the part of it (a factor index for per-factor metrics, else 0). */
public record MetricTask(MetricKind metric, int part) implements Serializable {
    public TaskResult run(CodesAndFactors data, MetricsConfig config) {
        long t0 = System.nanoTime();
        TaskResult r = metric.impl().run(data, config, part);
        return r.withNanos(System.nanoTime() - t0);
    }

    @Override
    public String toString() {
        return metric.id() + "[" + part + "]";
    }
}
