package org.factorlab.metrics;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/** The results of a suite run on one (codes, factors) pair, in the order the metrics were asked for. */
public record SuiteResult(List<MetricResult> metrics) implements Serializable {
    public SuiteResult {
        metrics = List.copyOf(metrics);
    }

    public MetricResult get(MetricKind kind) {
        return metrics.stream().filter(m -> m.metric() == kind).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("metric " + kind.id() + " was not run"));
    }

    /** Every value of every metric, e.g. {@code dci.disentanglement -> 0.91}. */
    public Map<String, Double> values() {
        var out = new LinkedHashMap<String, Double>();
        metrics.forEach(m -> out.putAll(m.values()));
        return out;
    }

    public List<String> diagnostics() {
        return metrics.stream().flatMap(m -> m.diagnostics().stream()
                .map(d -> d.startsWith(m.metric().id()) ? d : m.metric().id() + ": " + d)).distinct().toList();
    }
}
