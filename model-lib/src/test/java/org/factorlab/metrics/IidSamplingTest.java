package org.factorlab.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import java.util.List;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

/**
 * {@code sampling: iid} is disentanglement_lib's protocol: i.i.d. draws with replacement, the requested counts whatever
 * the number of rows, train and test drawn independently. The values are checked against a line-by-line transcription of
 * the library's formulas ({@code _histogram_discretize}, {@code discrete_mutual_info} with sklearn's
 * {@code mutual_info_score}, {@code _compute_mig}, {@code modularity}) applied to the drawn rows.
 */
class IidSamplingTest {
    private static final int N = 60;

    private static CodesAndFactors table() {
        SplittableRandom r = new SplittableRandom(3);
        double[][] codes = new double[N][];
        int[][] factors = new int[N][];
        for (int i = 0; i < N; i++) {
            int a = i % 3, b = (i / 3) % 4;
            factors[i] = new int[]{a, b};
            codes[i] = new double[]{a + 0.3 * r.nextGaussian(), 0.5 * b - 0.2 * a + 0.3 * r.nextGaussian(), r.nextGaussian()};
        }
        return new CodesAndFactors(codes, factors, List.of("a", "b"));
    }

    private static MetricsConfig config(String sampling) {
        String text = MetricsConfig.withOverrides(MetricsConfig.defaultText(),
                List.of("sampling=" + sampling, "mig.numPoints=500", "modularity.numPoints=500", "dci.numTrain=300", "dci.numTest=200"), "test");
        return MetricsConfig.parse(text, "test");
    }

    @Test
    void iidDrawsTheRequestedCountsWithReplacementAndReproducibly() {
        CodesAndFactors data = table();
        MetricSuite iid = new MetricSuite(List.of(MetricKind.MIG, MetricKind.DCI), config("iid"));
        int[] rows = iid.rowsUsed(MetricKind.MIG, data).get(0);
        assertEquals(500, rows.length, "500 draws from 60 rows");
        assertTrue(Arrays.stream(rows).distinct().count() < rows.length, "with replacement");
        assertEquals(N, Arrays.stream(rows).distinct().count(), "every row is drawn from");
        assertArrayEquals(rows, iid.rowsUsed(MetricKind.MIG, data).get(0), "seeded");
        List<int[]> split = iid.rowsUsed(MetricKind.DCI, data);
        assertEquals(300, split.get(0).length);
        assertEquals(200, split.get(1).length);
        assertTrue(Arrays.stream(split.get(1)).anyMatch(t -> Arrays.stream(split.get(0)).anyMatch(x -> x == t)), "train and test may share rows");
        // the default protocol: distinct rows, capped at the table
        int[] distinct = new MetricSuite(List.of(MetricKind.MIG), config("without-replacement")).rowsUsed(MetricKind.MIG, data).get(0);
        assertEquals(N, distinct.length);
        assertEquals(N, Arrays.stream(distinct).distinct().count());
    }

    @Test
    void migAndModularityEqualTheLibrarysFormulasOnTheDrawnRows() {
        CodesAndFactors data = table();
        MetricSuite suite = new MetricSuite(List.of(MetricKind.MIG, MetricKind.MODULARITY), config("iid"));
        var values = suite.run(data).values();
        int[] rows = suite.rowsUsed(MetricKind.MIG, data).get(0);
        double[][] m = mutualInfo(data, rows, 20);
        assertEquals(libraryMig(m, data, rows), values.get("mig"), 1e-12);
        int[] modRows = suite.rowsUsed(MetricKind.MODULARITY, data).get(0);
        assertEquals(libraryModularity(mutualInfo(data, modRows, 20)), values.get("modularity"), 1e-12);
        // and the draws matter: the same formulas on other rows give another value
        assertTrue(Math.abs(libraryMig(mutualInfo(data, modRows, 20), data, modRows) - values.get("mig")) > 1e-6);
    }

    /** {@code discrete_mutual_info(_histogram_discretize(mus, 20), ys)}: codes x factors. */
    private static double[][] mutualInfo(CodesAndFactors data, int[] rows, int bins) {
        double[][] m = new double[data.codeDim()][data.numFactors()];
        for (int d = 0; d < data.codeDim(); d++) {
            int[] z = digitize(rows, data, d, bins);
            for (int k = 0; k < data.numFactors(); k++) {
                int[] y = new int[rows.length];
                for (int i = 0; i < rows.length; i++) y[i] = data.factor(rows[i], k);
                m[d][k] = mutualInfoScore(y, z);
            }
        }
        return m;
    }

    /** {@code np.digitize(x, np.histogram(x, bins)[1][:-1])}. */
    private static int[] digitize(int[] rows, CodesAndFactors data, int d, int bins) {
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (int r : rows) {
            lo = Math.min(lo, data.code(r, d));
            hi = Math.max(hi, data.code(r, d));
        }
        if (lo == hi) { lo -= 0.5; hi += 0.5; }
        double[] edges = new double[bins];
        for (int i = 0; i < bins; i++) edges[i] = lo + i * (hi - lo) / bins; // np.linspace(lo, hi, bins + 1)[:-1]
        int[] out = new int[rows.length];
        for (int i = 0; i < rows.length; i++) {
            double x = data.code(rows[i], d);
            int c = 0;
            while (c < bins && edges[c] <= x) c++;
            out[i] = c;
        }
        return out;
    }

    /** sklearn's {@code mutual_info_score(labels_true, labels_pred)}: sum p_ij log(p_ij / (p_i p_j)), natural log, >= 0. */
    private static double mutualInfoScore(int[] a, int[] b) {
        var joint = new java.util.HashMap<Long, Integer>();
        var ca = new java.util.HashMap<Integer, Integer>();
        var cb = new java.util.HashMap<Integer, Integer>();
        for (int i = 0; i < a.length; i++) {
            joint.merge(((long) a[i] << 32) | (b[i] & 0xffffffffL), 1, Integer::sum);
            ca.merge(a[i], 1, Integer::sum);
            cb.merge(b[i], 1, Integer::sum);
        }
        if (ca.size() == 1 || cb.size() == 1) return 0;
        double n = a.length, mi = 0;
        for (var e : joint.entrySet()) {
            int x = (int) (e.getKey() >> 32), y = (int) (long) e.getKey();
            double nij = e.getValue();
            mi += nij / n * Math.log(n * nij / ((double) ca.get(x) * cb.get(y)));
        }
        return Math.max(0, mi);
    }

    /** {@code _compute_mig}: mean over factors of (largest - second largest MI) / H(factor). */
    private static double libraryMig(double[][] m, CodesAndFactors data, int[] rows) {
        double sum = 0;
        for (int k = 0; k < data.numFactors(); k++) {
            double[] col = new double[m.length];
            for (int d = 0; d < m.length; d++) col[d] = m[d][k];
            Arrays.sort(col);
            int[] y = new int[rows.length];
            for (int i = 0; i < rows.length; i++) y[i] = data.factor(rows[i], k);
            sum += (col[col.length - 1] - col[col.length - 2]) / mutualInfoScore(y, y);
        }
        return sum / data.numFactors();
    }

    /** {@code modularity(mutual_information)} of disentanglement_lib's modularity_explicitness. */
    private static double libraryModularity(double[][] m) {
        double sum = 0;
        for (double[] row : m) {
            double total = 0, max = 0;
            for (double v : row) {
                total += v * v;
                max = Math.max(max, v * v);
            }
            sum += max == 0 ? 0 : 1 - (total - max) / (max * (row.length - 1));
        }
        return sum / m.length;
    }
}
