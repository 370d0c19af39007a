package org.factorlab.metrics;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Mutual Information Gap (Chen et al. 2018, "Isolating Sources of Disentanglement in VAEs"), in the
 * discretised form of disentanglement_lib, which is also the "discrete MIG" of the iVAE+DDPM paper (its Eq. 1):
 * {@code MIG = 1/K sum_k (I(z_a, y_k) - I(z_b, y_k)) / H(y_k)} with z_a, z_b the code dims of highest and second
 * highest mutual information with factor k, codes discretised into equal-width bins.
 */
public final class Mig implements Metric {
    static final Mig INSTANCE = new Mig();

    private Mig() {
    }

    public static MetricResult compute(CodesAndFactors data, MetricsConfig config) {
        return INSTANCE.computeAll(data, config);
    }

    /**
     * The score from an MI matrix {@code m[d][k]} and factor entropies: mean over factors of the normalised gap.
     * Needs at least two code dims and positive entropies.
     */
    public static double score(double[][] mi, double[] entropy) {
        double[] gaps = gaps(mi, entropy);
        double s = 0;
        for (double g : gaps) s += g;
        return s / gaps.length;
    }

    /** Per-factor normalised gaps. */
    public static double[] gaps(double[][] mi, double[] entropy) {
        if (mi.length < 2) throw new IllegalArgumentException("MIG needs at least 2 code dims, got " + mi.length);
        int k = entropy.length;
        double[] out = new double[k];
        for (int j = 0; j < k; j++) {
            if (!(entropy[j] > 0)) throw new IllegalArgumentException("factor " + j + " has entropy " + entropy[j]);
            double top = Double.NEGATIVE_INFINITY, second = Double.NEGATIVE_INFINITY;
            for (double[] row : mi) {
                double v = row[j];
                if (v > top) { second = top; top = v; }
                else if (v > second) second = v;
            }
            out[j] = (top - second) / entropy[j];
        }
        return out;
    }

    @Override
    public MetricKind kind() {
        return MetricKind.MIG;
    }

    @Override
    public TaskResult run(CodesAndFactors data, MetricsConfig config, int part) {
        var warnings = new ArrayList<String>();
        if (data.codeDim() < 2) throw new IllegalArgumentException("MIG needs at least 2 code dims, got " + data.codeDim());
        int[] factors = data.informativeFactors(warnings);
        int[] rows = rows(data, config, warnings).get(0);
        Discretised z = Discretised.of(data, rows, config.mig().bins(), warnings);
        int[][] y = new int[factors.length][];
        double[] h = new double[factors.length];
        for (int j = 0; j < factors.length; j++) {
            y[j] = data.labels(factors[j], rows).label();
            h[j] = DiscreteMutualInformation.entropy(y[j]);
            if (!(h[j] > 0)) throw new IllegalArgumentException("mig: factor '" + data.factorNames().get(factors[j])
                    + "' takes a single value in the sampled rows; raise mig.numPoints");
        }
        double[][] mi = DiscreteMutualInformation.matrix(z.bins(), y);
        double[] gaps = gaps(mi, h);
        // payload: gaps (K'), then the MI matrix row-major (D x K'), then entropies (K')
        double[] payload = new double[factors.length * (2 + data.codeDim())];
        System.arraycopy(gaps, 0, payload, 0, gaps.length);
        for (int d = 0; d < mi.length; d++) System.arraycopy(mi[d], 0, payload, factors.length * (1 + d), factors.length);
        System.arraycopy(h, 0, payload, factors.length * (1 + data.codeDim()), factors.length);
        return TaskResult.of(kind(), part, payload, warnings);
    }

    @Override
    public List<int[]> rows(CodesAndFactors data, MetricsConfig config, List<String> warnings) {
        return List.of(Sampling.rows(data.numPoints(), config.mig().numPoints(), Sampling.rng(config.seed(), kind()), config.sampling(), "mig", warnings));
    }

    @Override
    public MetricResult combine(CodesAndFactors data, MetricsConfig config, List<TaskResult> parts) {
        var warnings = new ArrayList<String>();
        int[] factors = data.informativeFactors(warnings);
        double[] p = parts.get(0).payload();
        int k = factors.length, d = data.codeDim();
        var names = new ArrayList<String>();
        var perFactor = new LinkedHashMap<String, Double>();
        var entropy = new LinkedHashMap<String, Double>();
        double sum = 0;
        for (int j = 0; j < k; j++) {
            String name = data.factorNames().get(factors[j]);
            names.add(name);
            perFactor.put(name, p[j]);
            entropy.put(name, p[k * (1 + d) + j]);
            sum += p[j];
        }
        double[][] mi = new double[d][k];
        for (int i = 0; i < d; i++) System.arraycopy(p, k * (1 + i), mi[i], 0, k);
        return MetricResult.of(kind(), Map.of("mig", sum / k), Map.of("mig.gap", perFactor, "mig.factor_entropy", entropy),
                Map.of("mig.mutual_information", mi), names, MetricResult.warnings(parts, List.of()));
    }

    /** Discretised code dims at given rows, with a warning for each constant dim (MI 0 by construction). */
    record Discretised(int[][] bins) {
        static Discretised of(CodesAndFactors data, int[] rows, int numBins, List<String> warnings) {
            int[][] out = new int[data.codeDim()][];
            var constant = new ArrayList<Integer>();
            for (int dim = 0; dim < data.codeDim(); dim++) {
                double[] x = data.column(dim, rows);
                boolean same = true;
                for (double v : x) if (v != x[0]) { same = false; break; }
                if (same) constant.add(dim);
                out[dim] = DiscreteMutualInformation.digitize(x, numBins);
            }
            if (!constant.isEmpty())
                warnings.add("code dims " + constant + " are constant: mutual information 0 with every factor");
            return new Discretised(out);
        }
    }
}
