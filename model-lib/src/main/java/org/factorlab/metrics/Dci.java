package org.factorlab.metrics;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import ml.dmlc.xgboost4j.java.Booster;
import ml.dmlc.xgboost4j.java.DMatrix;
import ml.dmlc.xgboost4j.java.XGBoost;
import ml.dmlc.xgboost4j.java.XGBoostError;

/**
 * DCI (Eastwood and Williams 2018, "A Framework for the Quantitative Evaluation of Disentangled
 * Representations"), as disentanglement_lib computes it. One gradient-boosted tree classifier per factor predicts
 * the factor from all code dims; its feature importances form column k of the importance matrix R (D x K).
 * Disentanglement = {@code sum_d (1 - H_K(R_d.)) w_d}, {@code w_d = sum_k R_dk / sum R}; completeness =
 * {@code sum_k (1 - H_D(R_.k)) w_k}; entropies of the normalised rows / columns with 1e-11 added, log base K
 * (resp. D). Informativeness = mean test accuracy of the classifiers.
 *
 * <p>The trees are XGBoost's ("hist" method) with sklearn GradientBoostingClassifier's settings: 100 rounds,
 * depth 3, learning rate 0.1 (scaled so that leaf values equal sklearn's Newton steps), no L2 on leaves.
 * Importance = XGBoost's "total_gain" (summed loss reduction of every split on the dim), normalised to sum 1,
 * the counterpart of sklearn's impurity-decrease importances. The two libraries still choose splits by
 * different criteria (second-order gain on binned thresholds vs. least-squares on exact thresholds), so
 * importances agree closely but not exactly; docs/metrics.md gives the measured differences.
 */
public final class Dci implements Metric {
    static final Dci INSTANCE = new Dci();
    /** Added to every importance before taking entropies, as disentanglement_lib does. */
    static final double EPS = 1e-11;

    private Dci() {
    }

    public static MetricResult compute(CodesAndFactors data, MetricsConfig config) {
        return INSTANCE.computeAll(data, config);
    }

    /** Disentanglement of an importance matrix {@code r[d][k]}; needs K >= 2. */
    public static double disentanglement(double[][] r) {
        int k = r[0].length;
        if (k < 2) throw new IllegalArgumentException("disentanglement needs at least 2 factors, got " + k);
        double total = 0;
        for (double[] row : r) for (double v : row) total += v;
        double s = 0;
        for (double[] row : r) {
            double w = total == 0 ? 1.0 / r.length : sum(row) / total;
            s += (1 - entropy(row, k)) * w;
        }
        return s;
    }

    /** Completeness of an importance matrix {@code r[d][k]}; needs D >= 2. */
    public static double completeness(double[][] r) {
        int d = r.length, k = r[0].length;
        if (d < 2) throw new IllegalArgumentException("completeness needs at least 2 code dims, got " + d);
        double total = 0;
        for (double[] row : r) for (double v : row) total += v;
        double s = 0;
        for (int j = 0; j < k; j++) {
            double[] col = new double[d];
            for (int i = 0; i < d; i++) col[i] = r[i][j];
            double w = total == 0 ? 1.0 / k : sum(col) / total;
            s += (1 - entropy(col, d)) * w;
        }
        return s;
    }

    /** scipy.stats.entropy(p + 1e-11, base): p normalised to sum 1. */
    static double entropy(double[] p, int base) {
        double z = 0;
        for (double v : p) z += Math.abs(v) + EPS;
        double h = 0;
        for (double v : p) {
            double q = (Math.abs(v) + EPS) / z;
            h -= q * Math.log(q);
        }
        return h / Math.log(base);
    }

    private static double sum(double[] v) {
        double s = 0;
        for (double x : v) s += Math.abs(x);
        return s;
    }

    @Override
    public MetricKind kind() {
        return MetricKind.DCI;
    }

    @Override
    public int parts(CodesAndFactors data) {
        return data.numFactors();
    }

    @Override
    public TaskResult run(CodesAndFactors data, MetricsConfig config, int k) {
        var warnings = new ArrayList<String>();
        if (data.numClasses(k) < 2) {
            warnings.add("factor '" + data.factorNames().get(k) + "' takes a single value; left out of this metric");
            return TaskResult.of(kind(), k, new double[0], warnings);
        }
        MetricsConfig.Dci cfg = config.dci();
        // the split depends on the seed only, so every factor's task uses the same rows
        List<int[]> rows = rows(data, config, warnings);
        Sampling.Split split = new Sampling.Split(rows.get(0), rows.get(1));
        CodesAndFactors.Labels labels = data.labels(k, split.train());
        int[] yTest = labels.map(data.rawFactor(k, split.test()));
        int dims = data.codeDim();
        double[] payload = new double[dims + 2];
        if (labels.numClasses() < 2) {
            warnings.add("dci: factor '" + data.factorNames().get(k) + "' takes one value in the train rows; importances 0");
            payload[dims] = 1;
            payload[dims + 1] = accuracy(constant(yTest.length, 0), yTest);
            return TaskResult.of(kind(), k, payload, warnings);
        }
        Booster booster = null;
        DMatrix train = null, test = null;
        try {
            train = matrix(data, split.train());
            float[] y = new float[labels.label().length];
            for (int i = 0; i < y.length; i++) y[i] = labels.label()[i];
            train.setLabel(y);
            test = matrix(data, split.test());
            Map<String, Object> params = new HashMap<>();
            int classes = labels.numClasses();
            if (classes == 2) {
                params.put("objective", "binary:logistic");
            } else {
                params.put("objective", "multi:softprob");
                params.put("num_class", classes);
            }
            params.put("max_depth", cfg.maxDepth());
            // sklearn's multinomial leaf value is the Newton step (K-1)/K * sum(r) / sum(p(1-p)); XGBoost's
            // softprob hessian is 2p(1-p), so its leaves are 1 / (2(K-1)/K) of sklearn's for the same tree.
            // Scaling eta restores sklearn's boosting trajectory (binary:logistic already matches).
            params.put("eta", cfg.learningRate() * (classes > 2 ? 2.0 * (classes - 1) / classes : 1.0));
            params.put("lambda", cfg.lambda());
            params.put("min_child_weight", cfg.minChildWeight());
            params.put("tree_method", "hist");
            params.put("max_bin", cfg.maxBin());
            params.put("nthread", cfg.threads());
            params.put("seed", (int) (config.seed() & 0x7fffffff));
            params.put("verbosity", 0);
            booster = XGBoost.train(train, params, cfg.trees(), Map.of(), null, null);
            String[] names = new String[dims];
            for (int d = 0; d < dims; d++) names[d] = "f" + d;
            Map<String, Double> gain = booster.getScore(names, "total_gain");
            double total = 0;
            for (int d = 0; d < dims; d++) total += Math.abs(gain.getOrDefault(names[d], 0.0));
            for (int d = 0; d < dims; d++) payload[d] = total == 0 ? 0 : Math.abs(gain.getOrDefault(names[d], 0.0)) / total;
            shareAmongEquivalentDims(payload, data, split.train());
            payload[dims] = accuracy(predict(booster, train, classes), labels.label());
            payload[dims + 1] = accuracy(predict(booster, test, classes), yTest);
        } catch (XGBoostError e) {
            throw new IllegalStateException("dci: XGBoost failed on factor '" + data.factorNames().get(k) + "': " + e.getMessage(), e);
        } finally {
            if (booster != null) booster.dispose();
            if (train != null) train.dispose();
            if (test != null) test.dispose();
        }
        return TaskResult.of(kind(), k, payload, warnings);
    }

    /**
     * Code dims that order the train rows identically (duplicates, or monotone maps of each other) are the same
     * feature to a tree: every split on one has the same gain on the other. XGBoost breaks such exact ties towards
     * the lower index; sklearn visits features in random order, so over many splits tied dims share the
     * importance. We give each dim of a tie group the group's mean importance, the expectation of sklearn's
     * behaviour (an exactly duplicated dim halves completeness, as disentanglement_lib's test expects).
     */
    static void shareAmongEquivalentDims(double[] importance, CodesAndFactors data, int[] rows) {
        int dims = data.codeDim();
        int[][] ranks = new int[dims][];
        for (int d = 0; d < dims; d++) ranks[d] = denseRanks(data.column(d, rows));
        boolean[] done = new boolean[dims];
        for (int d = 0; d < dims; d++) {
            if (done[d]) continue;
            var group = new ArrayList<Integer>();
            group.add(d);
            int maxRank = max(ranks[d]);
            for (int e = d + 1; e < dims; e++)
                if (!done[e] && (java.util.Arrays.equals(ranks[d], ranks[e]) || reversed(ranks[d], ranks[e], maxRank))) group.add(e);
            if (group.size() == 1) continue;
            double mean = 0;
            for (int g : group) mean += importance[g];
            mean /= group.size();
            for (int g : group) { importance[g] = mean; done[g] = true; }
        }
    }

    private static int[] denseRanks(double[] x) {
        double[] sorted = java.util.Arrays.stream(x).distinct().sorted().toArray();
        int[] r = new int[x.length];
        for (int i = 0; i < x.length; i++) r[i] = java.util.Arrays.binarySearch(sorted, x[i]);
        return r;
    }

    private static boolean reversed(int[] a, int[] b, int maxRank) {
        for (int i = 0; i < a.length; i++) if (b[i] != maxRank - a[i]) return false;
        return true;
    }

    private static int max(int[] v) {
        int m = 0;
        for (int x : v) m = Math.max(m, x);
        return m;
    }

    private static DMatrix matrix(CodesAndFactors data, int[] rows) throws XGBoostError {
        int dims = data.codeDim();
        float[] x = new float[rows.length * dims];
        for (int i = 0; i < rows.length; i++)
            for (int d = 0; d < dims; d++) x[i * dims + d] = (float) data.code(rows[i], d);
        return new DMatrix(x, rows.length, dims, Float.NaN);
    }

    private static int[] predict(Booster booster, DMatrix m, int classes) throws XGBoostError {
        float[][] p = booster.predict(m);
        int[] out = new int[p.length];
        for (int i = 0; i < p.length; i++) {
            if (classes == 2) {
                out[i] = p[i][0] > 0.5f ? 1 : 0;
            } else {
                int best = 0;
                for (int c = 1; c < p[i].length; c++) if (p[i][c] > p[i][best]) best = c;
                out[i] = best;
            }
        }
        return out;
    }

    static double accuracy(int[] predicted, int[] truth) {
        int right = 0;
        for (int i = 0; i < truth.length; i++) if (predicted[i] == truth[i]) right++;
        return (double) right / truth.length;
    }

    private static int[] constant(int n, int v) {
        int[] out = new int[n];
        java.util.Arrays.fill(out, v);
        return out;
    }

    @Override
    public List<int[]> rows(CodesAndFactors data, MetricsConfig config, List<String> warnings) {
        MetricsConfig.Dci cfg = config.dci();
        return Metric.pair(Sampling.split(data.numPoints(), cfg.numTrain(), cfg.numTest(), Sampling.rng(config.seed(), kind()), config.sampling(), "dci", warnings));
    }

    @Override
    public MetricResult combine(CodesAndFactors data, MetricsConfig config, List<TaskResult> parts) {
        var used = parts.stream().filter(p -> !p.skipped()).toList();
        var warnings = new ArrayList<String>();
        if (used.isEmpty()) throw new IllegalArgumentException("no factor takes more than one value; no metric is defined");
        int dims = data.codeDim(), k = used.size();
        double[][] r = new double[dims][k];
        var names = new ArrayList<String>();
        var trainAcc = new LinkedHashMap<String, Double>();
        var testAcc = new LinkedHashMap<String, Double>();
        double sumTrain = 0, sumTest = 0;
        for (int j = 0; j < k; j++) {
            double[] p = used.get(j).payload();
            String name = data.factorNames().get(used.get(j).task().part());
            names.add(name);
            for (int d = 0; d < dims; d++) r[d][j] = p[d];
            trainAcc.put(name, p[dims]);
            testAcc.put(name, p[dims + 1]);
            sumTrain += p[dims];
            sumTest += p[dims + 1];
        }
        var values = new LinkedHashMap<String, Double>();
        if (k >= 2) values.put("dci.disentanglement", disentanglement(r));
        else warnings.add("dci: disentanglement needs at least 2 factors with more than one value; not computed");
        if (dims >= 2) values.put("dci.completeness", completeness(r));
        else warnings.add("dci: completeness needs at least 2 code dims; not computed");
        values.put("dci.informativeness", sumTest / k);
        values.put("dci.informativeness_train", sumTrain / k);
        return MetricResult.of(kind(), values, Map.of("dci.test_accuracy", testAcc, "dci.train_accuracy", trainAcc),
                Map.of("dci.importance", r), names, MetricResult.warnings(parts, warnings));
    }
}
