package org.factorlab.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * SAP score (Kumar et al. 2018, "Variational Inference of Disentangled Latent Concepts from Unlabeled
 * Observations"), discrete-factor form of disentanglement_lib: for every (code dim d, factor k) a linear SVM
 * (sklearn LinearSVC: squared hinge, C = 0.01, balanced class weights) trained on dim d alone;
 * S[d][k] = its test accuracy. The SVMs are solved exactly ({@link OneFeatureSvm}: one sort per dim, then
 * Newton steps in O(log n)), not by liblinear's dual coordinate descent, which stops near the same minimum. SAP = mean over factors of the gap between the two highest accuracies.
 * One task per factor.
 */
public final class Sap implements Metric {
    static final Sap INSTANCE = new Sap();

    private Sap() {
    }

    public static MetricResult compute(CodesAndFactors data, MetricsConfig config) {
        return INSTANCE.computeAll(data, config);
    }

    /** Mean over columns of (largest - second largest) of a score matrix {@code s[d][k]}; needs D >= 2. */
    public static double meanTopTwoGap(double[][] s) {
        if (s.length < 2) throw new IllegalArgumentException("SAP needs at least 2 code dims, got " + s.length);
        double total = 0;
        for (int k = 0; k < s[0].length; k++) {
            double top = Double.NEGATIVE_INFINITY, second = Double.NEGATIVE_INFINITY;
            for (double[] row : s) {
                if (row[k] > top) { second = top; top = row[k]; }
                else if (row[k] > second) second = row[k];
            }
            total += top - second;
        }
        return total / s[0].length;
    }

    @Override
    public MetricKind kind() {
        return MetricKind.SAP;
    }

    @Override
    public int parts(CodesAndFactors data) {
        return data.numFactors();
    }

    @Override
    public TaskResult run(CodesAndFactors data, MetricsConfig config, int k) {
        var warnings = new ArrayList<String>();
        if (data.codeDim() < 2) throw new IllegalArgumentException("SAP needs at least 2 code dims, got " + data.codeDim());
        if (data.numClasses(k) < 2) {
            warnings.add("factor '" + data.factorNames().get(k) + "' takes a single value; left out of this metric");
            return TaskResult.of(kind(), k, new double[0], warnings);
        }
        MetricsConfig.Sap cfg = config.sap();
        List<int[]> rows = rows(data, config, warnings);
        Sampling.Split split = new Sampling.Split(rows.get(0), rows.get(1));
        CodesAndFactors.Labels labels = data.labels(k, split.train());
        int[] yTest = labels.map(data.rawFactor(k, split.test()));
        double[] acc = new double[data.codeDim()];
        for (int d = 0; d < acc.length; d++) {
            if (labels.numClasses() < 2) { // one class in the train rows: the classifier predicts it
                int right = 0;
                for (int v : yTest) if (v == 0) right++;
                acc[d] = (double) right / yTest.length;
                continue;
            }
            OneFeatureSvm m = OneFeatureSvm.fit(data.column(d, split.train()), labels.label(), labels.numClasses(), cfg.c(),
                    cfg.balancedClassWeights());
            double[] xTest = data.column(d, split.test());
            int right = 0;
            for (int i = 0; i < xTest.length; i++) if (m.predict(xTest[i]) == yTest[i]) right++;
            acc[d] = (double) right / xTest.length;
        }
        if (labels.numClasses() < 2)
            warnings.add("sap: factor '" + data.factorNames().get(k) + "' takes one value in the train rows");
        return TaskResult.of(kind(), k, acc, warnings);
    }

    @Override
    public List<int[]> rows(CodesAndFactors data, MetricsConfig config, List<String> warnings) {
        MetricsConfig.Sap cfg = config.sap();
        return Metric.pair(Sampling.split(data.numPoints(), cfg.numTrain(), cfg.numTest(), Sampling.rng(config.seed(), kind()), config.sampling(), "sap", warnings));
    }

    @Override
    public MetricResult combine(CodesAndFactors data, MetricsConfig config, List<TaskResult> parts) {
        var used = parts.stream().filter(p -> !p.skipped()).toList();
        if (used.isEmpty()) throw new IllegalArgumentException("no factor takes more than one value; no metric is defined");
        int dims = data.codeDim(), k = used.size();
        double[][] s = new double[dims][k];
        var names = new ArrayList<String>();
        var gap = new LinkedHashMap<String, Double>();
        for (int j = 0; j < k; j++) {
            double[] p = used.get(j).payload();
            names.add(data.factorNames().get(used.get(j).task().part()));
            for (int d = 0; d < dims; d++) s[d][j] = p[d];
            double[][] col = new double[dims][1];
            for (int d = 0; d < dims; d++) col[d][0] = p[d];
            gap.put(names.get(j), meanTopTwoGap(col));
        }
        return MetricResult.of(kind(), Map.of("sap", meanTopTwoGap(s)), Map.of("sap.gap", gap), Map.of("sap.accuracy", s),
                names, MetricResult.warnings(parts, List.of()));
    }
}
