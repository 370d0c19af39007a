package org.factorlab.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Modularity (Ridgeway and Mozer 2018, "Learning Deep Disentangled Embeddings with the F-Statistic Loss"), as
 * disentanglement_lib computes it: from the MI matrix of MIG, per code dim
 * {@code 1 - (sum_k m_k^2 - max_k m_k^2) / (max_k m_k^2 (K - 1))}, 0 for a dim with no information, averaged.
 */
public final class Modularity implements Metric {
    static final Modularity INSTANCE = new Modularity();

    private Modularity() {
    }

    public static MetricResult compute(CodesAndFactors data, MetricsConfig config) {
        return INSTANCE.computeAll(data, config);
    }

    /** Modularity of an MI (or importance) matrix {@code m[d][k]}; needs K >= 2 columns. */
    public static double modularity(double[][] m) {
        double[] per = perCode(m);
        double s = 0;
        for (double v : per) s += v;
        return s / per.length;
    }

    public static double[] perCode(double[][] m) {
        int k = m[0].length;
        if (k < 2) throw new IllegalArgumentException("modularity needs at least 2 factors, got " + k);
        double[] out = new double[m.length];
        for (int d = 0; d < m.length; d++) {
            double sum = 0, max = 0;
            for (double v : m[d]) {
                double sq = v * v;
                sum += sq;
                max = Math.max(max, sq);
            }
            out[d] = max == 0 ? 0 : 1 - (sum - max) / (max * (k - 1));
        }
        return out;
    }

    @Override
    public MetricKind kind() {
        return MetricKind.MODULARITY;
    }

    @Override
    public TaskResult run(CodesAndFactors data, MetricsConfig config, int part) {
        var warnings = new ArrayList<String>();
        int[] factors = data.informativeFactors(warnings);
        int[] rows = rows(data, config, warnings).get(0);
        Mig.Discretised z = Mig.Discretised.of(data, rows, config.modularity().bins(), warnings);
        int[][] y = new int[factors.length][];
        for (int j = 0; j < factors.length; j++) y[j] = data.labels(factors[j], rows).label();
        double[][] mi = DiscreteMutualInformation.matrix(z.bins(), y);
        if (factors.length < 2) {
            warnings.add("modularity needs at least 2 factors with more than one value; not computed");
            return TaskResult.of(kind(), part, new double[0], warnings);
        }
        return TaskResult.of(kind(), part, perCode(mi), warnings);
    }

    @Override
    public List<int[]> rows(CodesAndFactors data, MetricsConfig config, List<String> warnings) {
        return List.of(Sampling.rows(data.numPoints(), config.modularity().numPoints(), Sampling.rng(config.seed(), kind()), config.sampling(), "modularity", warnings));
    }

    @Override
    public MetricResult combine(CodesAndFactors data, MetricsConfig config, List<TaskResult> parts) {
        TaskResult r = parts.get(0);
        if (r.skipped()) return MetricResult.of(kind(), Map.of(), Map.of(), Map.of(), List.of(), MetricResult.warnings(parts, List.of()));
        double[] per = r.payload();
        double s = 0;
        for (double v : per) s += v;
        double[][] col = new double[per.length][1];
        for (int d = 0; d < per.length; d++) col[d][0] = per[d];
        return MetricResult.of(kind(), Map.of("modularity", s / per.length), Map.of(), Map.of("modularity.per_code", col),
                List.of("modularity"), MetricResult.warnings(parts, List.of()));
    }
}
