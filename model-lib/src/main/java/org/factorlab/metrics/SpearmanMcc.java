package org.factorlab.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mean correlation coefficient with Spearman correlation (Khemakhem et al. 2020, iVAE; the iVAE+DDPM paper's
 * "Spearman MCC"): |Spearman rho| between every code dim and factor, code dims matched to factors one to one
 * by the Hungarian algorithm (maximum total), mean over the min(D, K) matched pairs. A constant code dim has
 * correlation 0 (Spearman is undefined there).
 */
public final class SpearmanMcc implements Metric {
    static final SpearmanMcc INSTANCE = new SpearmanMcc();

    private SpearmanMcc() {
    }

    public static MetricResult compute(CodesAndFactors data, MetricsConfig config) {
        return INSTANCE.computeAll(data, config);
    }

    /** Average ranks (ties share their mean rank), as scipy.stats.rankdata. */
    static double[] ranks(double[] x) {
        return Ranks.average(x);
    }

    /** Ranks minus their mean (n + 1) / 2, and the sum of their squares (0 for a constant vector). */
    private record Centred(double[] v, double sumSquares) {
        static Centred of(double[] x) {
            double[] r = Ranks.average(x);
            double mean = (r.length + 1) / 2.0, ss = 0;
            for (int i = 0; i < r.length; i++) {
                r[i] -= mean;
                ss += r[i] * r[i];
            }
            return new Centred(r, ss);
        }

        /** |Pearson correlation| of two centred rank vectors; 0 when either is constant. */
        double absCorrelation(Centred o) {
            if (sumSquares == 0 || o.sumSquares == 0) return 0;
            double s = 0;
            for (int i = 0; i < v.length; i++) s += v[i] * o.v[i];
            return Math.min(1.0, Math.abs(s) / Math.sqrt(sumSquares * o.sumSquares));
        }
    }

    /** Mean of the matched entries of a correlation matrix {@code c[d][k]} (maximum-weight matching). */
    public static double matchedMean(double[][] absCorr) {
        int[] match = LinearAssignment.maximize(absCorr);
        double s = 0;
        int n = 0;
        for (int d = 0; d < match.length; d++) if (match[d] >= 0) { s += absCorr[d][match[d]]; n++; }
        return s / n;
    }

    private static boolean isConstant(double[] x) {
        for (double v : x) if (v != x[0]) return false;
        return true;
    }

    @Override
    public MetricKind kind() {
        return MetricKind.MCC;
    }

    @Override
    public TaskResult run(CodesAndFactors data, MetricsConfig config, int part) {
        var warnings = new ArrayList<String>();
        int[] factors = data.informativeFactors(warnings);
        int[] rows = rows(data, config, warnings).get(0);
        Centred[] zr = new Centred[data.codeDim()];
        var constant = new ArrayList<Integer>();
        for (int d = 0; d < zr.length; d++) {
            double[] x = data.column(d, rows);
            if (isConstant(x)) constant.add(d);
            zr[d] = Centred.of(x);
        }
        if (!constant.isEmpty()) warnings.add("code dims " + constant + " are constant: Spearman correlation taken as 0");
        double[][] c = new double[zr.length][factors.length];
        for (int k = 0; k < factors.length; k++) {
            int[] raw = data.rawFactor(factors[k], rows);
            double[] y = new double[raw.length];
            for (int i = 0; i < y.length; i++) y[i] = raw[i];
            Centred yr = Centred.of(y);
            for (int d = 0; d < zr.length; d++) c[d][k] = zr[d].absCorrelation(yr);
        }
        double[] payload = new double[zr.length * factors.length];
        for (int d = 0; d < zr.length; d++) System.arraycopy(c[d], 0, payload, d * factors.length, factors.length);
        return TaskResult.of(kind(), part, payload, warnings);
    }

    @Override
    public List<int[]> rows(CodesAndFactors data, MetricsConfig config, List<String> warnings) {
        return List.of(Sampling.rows(data.numPoints(), config.mcc().numPoints(), Sampling.rng(config.seed(), kind()), config.sampling(), "mcc", warnings));
    }

    @Override
    public MetricResult combine(CodesAndFactors data, MetricsConfig config, List<TaskResult> parts) {
        int[] factors = data.informativeFactors(new ArrayList<>());
        int k = factors.length, dims = data.codeDim();
        double[] p = parts.get(0).payload();
        double[][] c = new double[dims][k];
        for (int d = 0; d < dims; d++) System.arraycopy(p, d * k, c[d], 0, k);
        int[] match = LinearAssignment.maximize(c);
        var names = new ArrayList<String>();
        for (int f : factors) names.add(data.factorNames().get(f));
        var matched = new LinkedHashMap<String, Double>();
        var matchedDim = new LinkedHashMap<String, Double>();
        double s = 0;
        int n = 0;
        for (int d = 0; d < dims; d++) {
            if (match[d] < 0) continue;
            matched.put(names.get(match[d]), c[d][match[d]]);
            matchedDim.put(names.get(match[d]), (double) d);
            s += c[d][match[d]];
            n++;
        }
        return MetricResult.of(kind(), Map.of("mcc", s / n), Map.of("mcc.matched_correlation", matched, "mcc.matched_dim", matchedDim),
                Map.of("mcc.abs_spearman", c), names, MetricResult.warnings(parts, List.of()));
    }
}
