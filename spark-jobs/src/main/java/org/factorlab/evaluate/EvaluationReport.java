package org.factorlab.evaluate;

import java.util.List;
import org.factorlab.metrics.MetricKind;
import org.factorlab.metrics.SuiteResult;
import org.factorlab.provenance.Provenance;

/** What an evaluation produced: one suite result per run, the metrics asked for, and provenance. */
public record EvaluationReport(List<MetricKind> metrics, List<Run> runs, Provenance provenance, double wallSeconds) {
    public EvaluationReport {
        metrics = List.copyOf(metrics);
        runs = List.copyOf(runs);
    }

    /** One run's result; {@code codesPath} is where its codes were written, relative to the report directory. */
    public record Run(EvaluationRun run, SuiteResult result, String codesPath) {
    }

    public Run run(String id) {
        return runs.stream().filter(r -> r.run().id().equals(id)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no run '" + id + "'"));
    }
}
