package org.factorlab.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class BadInputTest {
    @Test
    void nonFiniteCodesAreRejectedWithTheirPosition() {
        double[][] c = {{0, 1, 2}, {0, 1, Double.NaN}};
        var e = assertThrows(IllegalArgumentException.class, () -> new CodesAndFactors(c, new int[][]{{0}, {1}}));
        assertTrue(e.getMessage().contains("row 1, dim 2 is NaN"), e.getMessage());
        c[1][2] = Double.NEGATIVE_INFINITY;
        e = assertThrows(IllegalArgumentException.class, () -> new CodesAndFactors(c, new int[][]{{0}, {1}}));
        assertTrue(e.getMessage().contains("-Infinity"), e.getMessage());
    }

    @Test
    void rowCountMismatchIsAnError() {
        var e = assertThrows(IllegalArgumentException.class, () -> new CodesAndFactors(new double[5][2], new int[4][1]));
        assertTrue(e.getMessage().contains("5 rows") && e.getMessage().contains("4 rows"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new CodesAndFactors(new double[][]{{1, 2}, {3}}, new int[2][1]));
        assertThrows(IllegalArgumentException.class, () -> new CodesAndFactors(new double[2][2], new int[2][2], List.of("a", "a")));
    }

    @Test
    void constantCodesScoreZeroWithDiagnostics() {
        int[][] f = Fixtures.randomFactors(2000, new int[]{5, 4, 3}, 1);
        double[][] c = new double[2000][4];
        for (double[] row : c) java.util.Arrays.fill(row, 3.25);
        SuiteResult r = MetricSuite.all(Fixtures.small()).run(new CodesAndFactors(c, f), 2);
        Map<String, Double> v = r.values();
        assertEquals(0, v.get("factorvae"));
        assertEquals(0, v.get("mig"));
        assertEquals(0, v.get("modularity"));
        assertEquals(0, v.get("mcc"));
        assertEquals(0, v.get("sap"));
        assertEquals(0, v.get("dci.disentanglement"), 1e-9);
        assertEquals(0, v.get("dci.completeness"), 1e-9);
        assertEquals(0.5, v.get("explicitness"), 1e-12);
        assertTrue(r.diagnostics().stream().anyMatch(s -> s.startsWith("factorvae: no code dim")), r.diagnostics().toString());
        assertTrue(r.diagnostics().stream().anyMatch(s -> s.startsWith("mig: code dims [0, 1, 2, 3] are constant")), r.diagnostics().toString());
        assertTrue(r.diagnostics().stream().anyMatch(s -> s.startsWith("mcc: code dims [0, 1, 2, 3] are constant")), r.diagnostics().toString());
    }

    @Test
    void singleValuedFactorIsLeftOutWithAWarning() {
        CodesAndFactors base = Fixtures.mixed(2000, new int[]{6, 5, 4}, 2, 0.2, 0.05, 3);
        int[][] f = base.factors();
        int[][] withConst = new int[f.length][];
        for (int i = 0; i < f.length; i++) withConst[i] = new int[]{f[i][0], 7, f[i][1], f[i][2]};
        CodesAndFactors data = new CodesAndFactors(base.codes(), withConst, List.of("a", "fixed", "b", "c"));
        CodesAndFactors renamed = new CodesAndFactors(base.codes(), f, List.of("a", "b", "c"));
        MetricSuite suite = MetricSuite.all(Fixtures.small());
        SuiteResult with = suite.run(data, 2), without = suite.run(renamed, 2);
        for (MetricKind k : MetricKind.values()) {
            assertTrue(with.get(k).diagnostics().stream().anyMatch(s -> s.contains("'fixed' takes a single value")), k + " " + with.get(k).diagnostics());
            assertTrue(with.get(k).perFactor().values().stream().noneMatch(m -> m.containsKey("fixed")));
        }
        // the split-per-factor metrics share rows across factors, so leaving a factor out changes nothing else
        for (String key : List.of("mig", "modularity", "mcc", "sap", "explicitness", "dci.disentanglement", "dci.completeness"))
            assertEquals(without.values().get(key), with.values().get(key), 1e-12, key);
    }

    @Test
    void noInformativeFactorIsAnError() {
        int[][] f = new int[100][2];
        double[][] c = Fixtures.asCodes(Fixtures.randomFactors(100, new int[]{3, 3}, 1));
        var e = assertThrows(IllegalArgumentException.class, () -> Mig.compute(new CodesAndFactors(c, f), Fixtures.small()));
        assertTrue(e.getMessage().contains("no factor takes more than one value"), e.getMessage());
    }

    @Test
    void fewerRowsThanRequestedUsesAllAndSaysSo() {
        CodesAndFactors data = Fixtures.mixed(600, new int[]{5, 4, 3}, 1, 0.1, 0.05, 4);
        SuiteResult r = MetricSuite.all(MetricsConfig.defaults()).run(data, 2);
        assertTrue(r.diagnostics().contains("mig: requested 10000 points, only 600 rows; used all 600"), r.diagnostics().toString());
        assertTrue(r.diagnostics().contains("dci: requested 10000 train + 5000 test points, only 600 rows; used 400 train + 200 test"),
                r.diagnostics().toString());
        r.values().values().forEach(v -> assertTrue(Double.isFinite(v)));
        var e = assertThrows(IllegalArgumentException.class,
                () -> Dci.compute(new CodesAndFactors(new double[][]{{1, 2}, {2, 1}}, new int[][]{{0}, {1}}), MetricsConfig.defaults()));
        assertTrue(e.getMessage().contains("too few"), e.getMessage());
    }

    @Test
    void aResultNeverHoldsNaN() {
        assertThrows(IllegalStateException.class, () -> MetricResult.of(MetricKind.MIG, Map.of("mig", Double.NaN), Map.of(), Map.of(), List.of(), List.of()));
    }

    @Test
    void ndArrayInputNeedsIntegralFactors() {
        var codes = org.nd4j.linalg.factory.Nd4j.createFromArray(new double[][]{{0.5, 1}, {2, 3}});
        var good = org.nd4j.linalg.factory.Nd4j.createFromArray(new double[][]{{1}, {2}});
        assertEquals(2, CodesAndFactors.of(codes, good, null).numClasses(0));
        var bad = org.nd4j.linalg.factory.Nd4j.createFromArray(new double[][]{{1}, {2.5}});
        var e = assertThrows(IllegalArgumentException.class, () -> CodesAndFactors.of(codes, bad, null));
        assertTrue(e.getMessage().contains("row 1, column 0 is 2.5"), e.getMessage());
    }
}
