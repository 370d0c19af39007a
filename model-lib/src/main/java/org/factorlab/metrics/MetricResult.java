package org.factorlab.metrics;

import java.io.Serializable;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One metric's result: named values (e.g. {@code dci.disentanglement}), per-factor values (factor name to
 * value, for the metrics that have them), named matrices (e.g. DCI's importance matrix, rows = code dims,
 * columns = the factors listed in {@code matrixColumns}) and diagnostics (warnings on the input). Every number is
 * finite: a value that is undefined for the input is left out and a diagnostic says why.
 */
public record MetricResult(MetricKind metric, Map<String, Double> values, Map<String, Map<String, Double>> perFactor,
                           Map<String, double[][]> matrices, List<String> matrixColumns, List<String> diagnostics,
                           long nanos) implements Serializable {
    public MetricResult {
        values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
        var pf = new LinkedHashMap<String, Map<String, Double>>();
        perFactor.forEach((k, v) -> pf.put(k, java.util.Collections.unmodifiableMap(new LinkedHashMap<>(v))));
        perFactor = java.util.Collections.unmodifiableMap(pf);
        matrices = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(matrices));
        matrixColumns = List.copyOf(matrixColumns);
        diagnostics = List.copyOf(diagnostics.stream().distinct().toList());
        values.forEach((k, v) -> requireFinite(k, v));
        perFactor.forEach((k, m) -> m.forEach((f, v) -> requireFinite(k + "[" + f + "]", v)));
        matrices.forEach((k, m) -> {
            for (double[] row : m) for (double v : row) requireFinite(k, v);
        });
    }

    private static void requireFinite(String name, double v) {
        if (!Double.isFinite(v)) throw new IllegalStateException("metric value " + name + " is " + v + " (a bug: undefined values must be left out)");
    }

    public double value(String name) {
        Double v = values.get(name);
        if (v == null) throw new IllegalArgumentException(metric.id() + " has no value '" + name + "'; it has " + values.keySet());
        return v;
    }

    MetricResult withNanos(long n) {
        return new MetricResult(metric, values, perFactor, matrices, matrixColumns, diagnostics, n);
    }

    static MetricResult of(MetricKind metric, Map<String, Double> values, Map<String, Map<String, Double>> perFactor,
                           Map<String, double[][]> matrices, List<String> columns, List<String> diagnostics) {
        return new MetricResult(metric, values, perFactor, matrices, columns, diagnostics, 0);
    }

    /** Warnings of all parts, in part order, then the combine step's. */
    static List<String> warnings(List<TaskResult> parts, List<String> more) {
        var out = new java.util.ArrayList<String>();
        parts.forEach(p -> out.addAll(p.warnings()));
        out.addAll(more);
        return out;
    }
}
