package org.factorlab.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Explicitness (Ridgeway and Mozer 2018), as disentanglement_lib computes it: codes standardised with the train
 * rows' mean and std; per factor a logistic regression on all code dims (L2, C = 1, one-vs-rest, probabilities
 * normalised across classes, as sklearn's LogisticRegression(solver="liblinear"), solved to its minimum by
 * {@link LogisticOvr}); score =
 * ROC-AUC averaged over classes (one-vs-rest, macro), then over factors. A constant code dim is standardised
 * to 0 (its std 0 is replaced by 1). One task per factor.
 */
public final class Explicitness implements Metric {
    static final Explicitness INSTANCE = new Explicitness();

    private Explicitness() {
    }

    public static MetricResult compute(CodesAndFactors data, MetricsConfig config) {
        return INSTANCE.computeAll(data, config);
    }

    /**
     * ROC-AUC of scores for a binary target (Mann-Whitney U with tied scores counted half), as
     * sklearn.metrics.roc_auc_score; NaN when one of the two classes is absent.
     */
    public static double rocAuc(double[] score, boolean[] positive) {
        int n = score.length;
        int[] order = Ranks.argsort(score);
        double rankSumPos = 0;
        long pos = 0;
        int i = 0;
        while (i < n) {
            int j = i;
            while (j + 1 < n && score[order[j + 1]] == score[order[i]]) j++;
            double avgRank = (i + j) / 2.0 + 1;
            for (int t = i; t <= j; t++) if (positive[order[t]]) { rankSumPos += avgRank; pos++; }
            i = j + 1;
        }
        long neg = n - pos;
        if (pos == 0 || neg == 0) return Double.NaN;
        return (rankSumPos - pos * (pos + 1) / 2.0) / ((double) pos * neg);
    }

    @Override
    public MetricKind kind() {
        return MetricKind.EXPLICITNESS;
    }

    @Override
    public int parts(CodesAndFactors data) {
        return data.numFactors();
    }

    @Override
    public TaskResult run(CodesAndFactors data, MetricsConfig config, int k) {
        var warnings = new ArrayList<String>();
        String name = data.factorNames().get(k);
        if (data.numClasses(k) < 2) {
            warnings.add("factor '" + name + "' takes a single value; left out of this metric");
            return TaskResult.of(kind(), k, new double[0], warnings);
        }
        MetricsConfig.Explicitness cfg = config.explicitness();
        List<int[]> rows = rows(data, config, warnings);
        Sampling.Split split = new Sampling.Split(rows.get(0), rows.get(1));
        int dims = data.codeDim();
        double[] mean = new double[dims], std = new double[dims];
        for (int d = 0; d < dims; d++) {
            double[] x = data.column(d, split.train());
            for (double v : x) mean[d] += v;
            mean[d] /= x.length;
            for (double v : x) std[d] += (v - mean[d]) * (v - mean[d]);
            std[d] = Math.sqrt(std[d] / x.length);
            if (std[d] == 0) std[d] = 1;
        }
        CodesAndFactors.Labels labels = data.labels(k, split.train());
        int[] yTest = labels.map(data.rawFactor(k, split.test()));
        if (labels.numClasses() < 2) {
            warnings.add("explicitness: factor '" + name + "' takes one value in the train rows; AUC 0.5");
            return TaskResult.of(kind(), k, new double[]{0.5, 0.5}, warnings);
        }
        double[][] xTrain = standardised(data, split.train(), mean, std);
        LogisticOvr m = LogisticOvr.fit(xTrain, labels.label(), labels.numClasses(), cfg.c());
        double train = macroAuc(m.probabilities(xTrain), labels.label(), labels.numClasses(), null, name);
        double test = macroAuc(m.probabilities(standardised(data, split.test(), mean, std)), yTest, labels.numClasses(), warnings, name);
        return TaskResult.of(kind(), k, new double[]{train, test}, warnings);
    }

    private static double[][] standardised(CodesAndFactors data, int[] rows, double[] mean, double[] std) {
        double[][] x = new double[rows.length][mean.length];
        for (int i = 0; i < rows.length; i++)
            for (int d = 0; d < mean.length; d++) x[i][d] = (data.code(rows[i], d) - mean[d]) / std[d];
        return x;
    }

    /** Mean one-vs-rest AUC over the classes that have both positives and negatives among the rows. */
    private static double macroAuc(double[][] p, int[] y, int numClasses, List<String> warnings, String name) {
        double sum = 0;
        int used = 0;
        var skipped = new ArrayList<Integer>();
        for (int c = 0; c < numClasses; c++) {
            double[] s = new double[p.length];
            boolean[] pos = new boolean[p.length];
            for (int i = 0; i < p.length; i++) { s[i] = p[i][c]; pos[i] = y[i] == c; }
            double auc = rocAuc(s, pos);
            if (Double.isNaN(auc)) { skipped.add(c); continue; }
            sum += auc;
            used++;
        }
        if (!skipped.isEmpty() && warnings != null)
            warnings.add("explicitness: factor '" + name + "': classes " + skipped + " (dense labels) absent from the test rows; AUC averaged over the others");
        if (used == 0) throw new IllegalArgumentException("explicitness: factor '" + name + "' has no class with both positives and negatives in the test rows");
        return sum / used;
    }

    @Override
    public List<int[]> rows(CodesAndFactors data, MetricsConfig config, List<String> warnings) {
        MetricsConfig.Explicitness cfg = config.explicitness();
        return Metric.pair(Sampling.split(data.numPoints(), cfg.numTrain(), cfg.numTest(), Sampling.rng(config.seed(), kind()), config.sampling(), "explicitness", warnings));
    }

    @Override
    public MetricResult combine(CodesAndFactors data, MetricsConfig config, List<TaskResult> parts) {
        var used = parts.stream().filter(p -> !p.skipped()).toList();
        if (used.isEmpty()) throw new IllegalArgumentException("no factor takes more than one value; no metric is defined");
        var train = new LinkedHashMap<String, Double>();
        var test = new LinkedHashMap<String, Double>();
        double st = 0, ss = 0;
        for (TaskResult r : used) {
            double[] p = r.payload();
            String name = data.factorNames().get(r.task().part());
            train.put(name, p[0]);
            test.put(name, p[1]);
            st += p[0];
            ss += p[1];
        }
        var values = new LinkedHashMap<String, Double>();
        values.put("explicitness", ss / used.size());
        values.put("explicitness.train", st / used.size());
        return MetricResult.of(kind(), values, Map.of("explicitness.test_auc", test, "explicitness.train_auc", train), Map.of(),
                List.of(), MetricResult.warnings(parts, List.of()));
    }
}
