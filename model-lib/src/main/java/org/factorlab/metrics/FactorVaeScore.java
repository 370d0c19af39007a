package org.factorlab.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;

/**
 * FactorVAE score (Kim and Mnih 2018, "Disentangling by Factorising"), as disentanglement_lib computes it.
 * Global variances of each code dim over {@code numVarianceEstimate} points (ddof 1); dims with std below
 * {@code pruneStd} are dropped. A vote: pick a factor k uniformly, a batch of {@code batchSize} codes that share
 * factor k's value, and the active dim with the smallest local / global variance. The classifier is the
 * majority factor per dim over {@code numTrain} votes; the score is its accuracy on {@code numEval} new votes.
 *
 * <p>Batches come from codes precomputed for the whole data set: pick a row uniformly (its factor-k value is
 * the fixed value, as disentanglement_lib fixes the first sampled point's), then draw the batch uniformly with
 * replacement among all rows with that value. On a full factor grid this is exactly the official sampling; on
 * a subset it samples the subset.
 */
public final class FactorVaeScore implements Metric {
    static final FactorVaeScore INSTANCE = new FactorVaeScore();

    private FactorVaeScore() {
    }

    public static MetricResult compute(CodesAndFactors data, MetricsConfig config) {
        return INSTANCE.computeAll(data, config);
    }

    @Override
    public MetricKind kind() {
        return MetricKind.FACTOR_VAE;
    }

    @Override
    public TaskResult run(CodesAndFactors data, MetricsConfig config, int part) {
        MetricsConfig.FactorVae cfg = config.factorVae();
        var warnings = new ArrayList<String>();
        int[] factors = data.informativeFactors(warnings);
        SplittableRandom rng = Sampling.rng(config.seed(), kind());
        int dims = data.codeDim(), n = data.numPoints();

        int[] varRows = Sampling.rows(n, cfg.numVarianceEstimate(), rng, config.sampling(), "factorvae variance estimate", warnings);
        if (varRows.length < 2) throw new IllegalArgumentException("factorvae: needs at least 2 rows, got " + n);
        double[] globalVar = new double[dims];
        for (int d = 0; d < dims; d++) globalVar[d] = variance(data.column(d, varRows));
        int[] active = java.util.stream.IntStream.range(0, dims).filter(d -> globalVar[d] > 0 && Math.sqrt(globalVar[d]) >= cfg.pruneStd()).toArray();
        if (active.length == 0) {
            warnings.add("no code dim has a std >= " + cfg.pruneStd() + "; score 0 (as disentanglement_lib)");
            return TaskResult.of(kind(), part, new double[]{0, 0, 0}, warnings);
        }
        if (active.length < dims) warnings.add((dims - active.length) + " of " + dims + " code dims pruned (std < " + cfg.pruneStd() + ")");

        // rows grouped by the value of each factor
        int[][] label = new int[factors.length][];
        int[][][] groups = new int[factors.length][][];
        int[] all = java.util.stream.IntStream.range(0, n).toArray();
        int smallest = Integer.MAX_VALUE;
        for (int j = 0; j < factors.length; j++) {
            CodesAndFactors.Labels l = data.labels(factors[j], all);
            label[j] = l.label();
            int[] count = new int[l.numClasses()];
            for (int v : label[j]) count[v]++;
            groups[j] = new int[count.length][];
            for (int v = 0; v < count.length; v++) {
                groups[j][v] = new int[count[v]];
                smallest = Math.min(smallest, count[v]);
            }
            int[] fill = new int[count.length];
            for (int i = 0; i < n; i++) groups[j][label[j][i]][fill[label[j][i]]++] = i;
        }
        if (smallest < cfg.batchSize())
            warnings.add("some factor value has only " + smallest + " rows (< batch " + cfg.batchSize()
                    + "); its batches repeat rows, which lowers local variances");

        long[][] trainVotes = votes(data, cfg, factors.length, label, groups, globalVar, active, cfg.numTrain(), rng);
        long[][] evalVotes = votes(data, cfg, factors.length, label, groups, globalVar, active, cfg.numEval(), rng);
        int[] classifier = new int[active.length];
        for (int d = 0; d < active.length; d++) {
            int best = 0; // np.argmax: first maximum
            for (int k = 1; k < factors.length; k++) if (trainVotes[k][d] > trainVotes[best][d]) best = k;
            classifier[d] = best;
        }
        return TaskResult.of(kind(), part, new double[]{accuracy(trainVotes, classifier), accuracy(evalVotes, classifier), active.length}, warnings);
    }

    private static long[][] votes(CodesAndFactors data, MetricsConfig.FactorVae cfg, int numFactors, int[][] label,
                                  int[][][] groups, double[] globalVar, int[] active, int count, SplittableRandom rng) {
        long[][] votes = new long[numFactors][active.length];
        int b = cfg.batchSize();
        double[] sum = new double[active.length], sumSq = new double[active.length];
        double[] mean0 = new double[active.length];
        for (int v = 0; v < count; v++) {
            int k = rng.nextInt(numFactors);
            int[] group = groups[k][label[k][rng.nextInt(data.numPoints())]];
            java.util.Arrays.fill(sum, 0);
            java.util.Arrays.fill(sumSq, 0);
            int first = group[rng.nextInt(group.length)];
            for (int a = 0; a < active.length; a++) mean0[a] = data.code(first, active[a]);
            // shifted sums (by the first code) keep the variance accurate for codes with a large offset
            for (int i = 1; i < b; i++) {
                int row = group[rng.nextInt(group.length)];
                for (int a = 0; a < active.length; a++) {
                    double x = data.code(row, active[a]) - mean0[a];
                    sum[a] += x;
                    sumSq[a] += x * x;
                }
            }
            int argmin = 0;
            double best = Double.POSITIVE_INFINITY;
            for (int a = 0; a < active.length; a++) {
                double localVar = (sumSq[a] - sum[a] * sum[a] / b) / (b - 1);
                double ratio = localVar / globalVar[active[a]];
                if (ratio < best) { best = ratio; argmin = a; }
            }
            votes[k][argmin]++;
        }
        return votes;
    }

    private static double accuracy(long[][] votes, int[] classifier) {
        long right = 0, total = 0;
        for (long[] row : votes) for (long v : row) total += v;
        for (int d = 0; d < classifier.length; d++) right += votes[classifier[d]][d];
        return (double) right / total;
    }

    static double variance(double[] x) {
        double mean = 0;
        for (double v : x) mean += v;
        mean /= x.length;
        double s = 0;
        for (double v : x) s += (v - mean) * (v - mean);
        return s / (x.length - 1);
    }

    @Override
    public List<int[]> rows(CodesAndFactors data, MetricsConfig config, List<String> warnings) {
        return List.of();
    }

    @Override
    public MetricResult combine(CodesAndFactors data, MetricsConfig config, List<TaskResult> parts) {
        double[] p = parts.get(0).payload();
        var values = new LinkedHashMap<String, Double>();
        values.put("factorvae", p[1]);
        values.put("factorvae.train_accuracy", p[0]);
        values.put("factorvae.active_dims", p[2]);
        return MetricResult.of(kind(), values, Map.of(), Map.of(), List.of(), MetricResult.warnings(parts, List.of()));
    }
}
