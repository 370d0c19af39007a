package org.factorlab.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** The behaviour disentanglement_lib's own tests check (docs/metrics.md). */
class ReferenceBehaviourTest {
    static final double LN2_LN10 = Math.log(2) / Math.log(10);

    static double[][] diag(int n, double v) {
        double[][] m = new double[n][n];
        for (int i = 0; i < n; i++) m[i][i] = v;
        return m;
    }

    static double[][] vstack(double[][] a) {
        double[][] m = new double[a.length * 2][];
        for (int i = 0; i < a.length; i++) { m[i] = a[i].clone(); m[i + a.length] = a[i].clone(); }
        return m;
    }

    static double[][] hstack(double[][] a) {
        double[][] m = new double[a.length][2 * a[0].length];
        for (int i = 0; i < a.length; i++)
            for (int j = 0; j < a[0].length; j++) { m[i][j] = a[i][j]; m[i][j + a[0].length] = a[i][j]; }
        return m;
    }

    @Test
    void dciOnFixedImportanceMatrices() {
        assertEquals(1, Dci.disentanglement(diag(5, 5)), 1e-9);
        assertEquals(1, Dci.completeness(diag(5, 5)), 1e-9);
        double[][] emptyCode = {{1, 0}, {0, 1}, {0, 0}};
        assertEquals(1, Dci.disentanglement(emptyCode), 1e-9);
        assertEquals(1, Dci.completeness(emptyCode), 1e-9);
        assertEquals(0, Dci.disentanglement(new double[10][10]), 1e-9);
        assertEquals(0, Dci.completeness(new double[10][10]), 1e-9);
        double[][] rows = vstack(diag(5, 5));
        assertEquals(1, Dci.disentanglement(rows), 1e-9);
        assertEquals(1 - LN2_LN10, Dci.completeness(rows), 1e-9);
        double[][] cols = hstack(diag(5, 5));
        assertEquals(1 - LN2_LN10, Dci.disentanglement(cols), 1e-9);
        assertEquals(1, Dci.completeness(cols), 1e-9);
    }

    @Test
    void modularityOnFixedMatrices() {
        assertEquals(1, Modularity.modularity(diag(5, 5)), 1e-12);
        assertEquals(2.0 / 3, Modularity.modularity(new double[][]{{1, 0}, {0, 1}, {0, 0}}), 1e-12);
        assertEquals(0, Modularity.modularity(new double[10][10]), 1e-12);
        assertEquals(1, Modularity.modularity(vstack(diag(5, 5))), 1e-12);
        double[][] missed = java.util.Arrays.copyOf(diag(5, 5), 2);
        assertEquals(1, Modularity.modularity(missed), 1e-12);
        assertEquals(8.0 / 9, Modularity.modularity(hstack(diag(5, 5))), 1e-12);
    }

    @Test
    void histogramDiscretisationAndMutualInformation() {
        assertArrayEquals(new int[]{1, 1, 2, 2, 3, 3}, DiscreteMutualInformation.digitize(new double[]{.1, .2, .3, .4, .5, .6}, 3));
        int[][] xs = {{1, 2, 1, 2}, {1, 1, 2, 2}};
        int[][] ys = {{1, 2, 1, 2}, {2, 2, 1, 1}};
        double[][] m = DiscreteMutualInformation.matrix(xs, ys);
        assertEquals(Math.log(2), m[0][0], 1e-12);
        assertEquals(0, m[0][1], 1e-12);
        assertEquals(0, m[1][0], 1e-12);
        assertEquals(Math.log(2), m[1][1], 1e-12);
        // a constant column lands in one bin (numpy widens the range by 0.5: [4,4,4] -> 11)
        assertArrayEquals(new int[]{11, 11, 11}, DiscreteMutualInformation.digitize(new double[]{4, 4, 4}, 20));
        // the maximum goes to the last bin, the minimum to the first
        assertArrayEquals(new int[]{1, 20}, DiscreteMutualInformation.digitize(new double[]{-3, 7}, 20));
    }

    @Test
    void identityCodesScoreHigh() {
        CodesAndFactors data = Fixtures.identity(3000, 1);
        SuiteResult r = new MetricSuite(java.util.List.of(MetricKind.values()), Fixtures.small()).run(data, 2);
        assertBetween(r.values().get("factorvae"), 0.9, 1);
        assertBetween(r.values().get("dci.disentanglement"), 0.9, 1);
        assertBetween(r.values().get("dci.completeness"), 0.9, 1);
        assertBetween(r.values().get("mig"), 0.9, 1);
        assertBetween(r.values().get("modularity"), 0.9, 1);
        assertBetween(r.values().get("mcc"), 0.9, 1);
        assertBetween(r.values().get("dci.informativeness"), 0.9, 1);
        // one-vs-rest logistic regression cannot isolate a middle class of an ordinal code: sklearn's
        // LogisticRegression(solver="liblinear") gives 0.888 on the same kind of data (bench/metrics_reference.py)
        assertBetween(r.values().get("explicitness"), 0.85, 0.95);
    }

    @Test
    void allZeroCodesScoreLow() {
        CodesAndFactors data = Fixtures.zeros(3000, 2);
        SuiteResult r = new MetricSuite(java.util.List.of(MetricKind.values()), Fixtures.small()).run(data, 2);
        assertBetween(r.values().get("factorvae"), 0, 0.2);
        assertBetween(r.values().get("dci.disentanglement"), 0, 0.2);
        assertBetween(r.values().get("dci.completeness"), 0, 0.2);
        assertBetween(r.values().get("mig"), 0, 0.2);
        assertBetween(r.values().get("sap"), 0, 0.2);
        assertBetween(r.values().get("modularity"), 0, 0.2);
        assertBetween(r.values().get("mcc"), 0, 0.2);
        assertEquals(0.5, r.values().get("explicitness"), 1e-12);
    }

    @Test
    void duplicatedDimsHalveCompletenessAndKillMig() {
        CodesAndFactors data = Fixtures.duplicated(3000, 3);
        SuiteResult r = new MetricSuite(java.util.List.of(MetricKind.MIG, MetricKind.DCI, MetricKind.MODULARITY), Fixtures.small()).run(data, 2);
        assertBetween(r.values().get("mig"), 0, 0.1);
        assertBetween(r.values().get("dci.disentanglement"), 0.9, 1);
        double target = 1 - LN2_LN10;
        assertBetween(r.values().get("dci.completeness"), target - 0.1, target + 0.1);
        assertBetween(r.values().get("modularity"), 0.9, 1);
    }

    @Test
    void rowPermutedCodesScoreLow() {
        CodesAndFactors data = Fixtures.rowPermuted(3000, 4);
        SuiteResult r = new MetricSuite(java.util.List.of(MetricKind.DCI, MetricKind.MIG), Fixtures.small()).run(data, 2);
        assertBetween(r.values().get("dci.disentanglement"), 0, 0.2);
        assertBetween(r.values().get("dci.completeness"), 0, 0.2);
        assertBetween(r.values().get("mig"), 0, 0.1);
    }

    static void assertBetween(double v, double lo, double hi) {
        assertTrue(v >= lo && v <= hi, v + " not in [" + lo + ", " + hi + "]");
    }
}
