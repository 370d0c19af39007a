package org.factorlab.metrics;

import java.io.Serializable;
import java.util.List;

/**
 * The output of one {@link MetricTask}: a numeric payload whose layout only the metric knows (e.g. DCI's
 * importance column and accuracies for one factor), the task's warnings and its run time. Serializable, so a
 * Spark task can return it to the driver.
 */
public record TaskResult(MetricTask task, double[] payload, List<String> warnings, long nanos) implements Serializable {
    public TaskResult {
        payload = payload.clone();
        warnings = List.copyOf(warnings);
    }

    static TaskResult of(MetricKind metric, int part, double[] payload, List<String> warnings) {
        return new TaskResult(new MetricTask(metric, part), payload, warnings, 0);
    }

    TaskResult withNanos(long n) {
        return new TaskResult(task, payload, warnings, n);
    }

    /** A part with nothing to contribute (e.g. a single-valued factor). */
    boolean skipped() {
        return payload.length == 0;
    }

    @Override
    public double[] payload() {
        return payload.clone();
    }
}
