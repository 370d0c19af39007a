package org.factorlab.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Random;
import org.junit.jupiter.api.Test;

class UnitPcaTest {
    @Test
    void recoversTheScalarAlongEachUnitsMainDirection() {
        Random r = new Random(3);
        int n = 2000, unit = 8, units = 3;
        double[][] dirs = new double[units][unit];
        for (double[] d : dirs) {
            double norm = 0;
            for (int j = 0; j < unit; j++) { d[j] = r.nextGaussian(); norm += d[j] * d[j]; }
            for (int j = 0; j < unit; j++) d[j] /= Math.sqrt(norm);
        }
        double[][] s = new double[n][units];
        double[][] codes = new double[n][unit * units];
        for (int i = 0; i < n; i++)
            for (int u = 0; u < units; u++) {
                s[i][u] = 3 * r.nextGaussian() + 5;
                for (int j = 0; j < unit; j++) codes[i][u * unit + j] = s[i][u] * dirs[u][j] + 0.05 * r.nextGaussian();
            }
        double[][] reduced = UnitPca.reduce(codes, unit);
        assertEquals(units, reduced[0].length);
        for (int u = 0; u < units; u++) {
            double[] a = new double[n], b = new double[n];
            for (int i = 0; i < n; i++) { a[i] = reduced[i][u]; b[i] = s[i][u]; }
            double corr = new org.apache.commons.math3.stat.correlation.PearsonsCorrelation().correlation(a, b);
            assertTrue(Math.abs(corr) > 0.999, "unit " + u + " corr " + corr);
            // centred, and variance of the projection = variance along the direction (unit-norm loading)
            assertEquals(0, java.util.Arrays.stream(a).average().orElseThrow(), 1e-9);
            assertEquals(9, FactorVaeScore.variance(a), 0.6);
            // sklearn's sign convention: the value largest in magnitude is positive
            double extreme = java.util.Arrays.stream(a).boxed().max(java.util.Comparator.comparingDouble(Math::abs)).orElseThrow();
            assertTrue(extreme > 0);
        }
    }

    @Test
    void traversalsSpanTheQuantilesOfTheReducedCodes() {
        Random r = new Random(9);
        double[][] codes = new double[301][6];
        for (double[] row : codes) for (int j = 0; j < 6; j++) row[j] = r.nextGaussian() * (j + 1) + (j % 3 == 0 ? row[0] : 0);
        double[][] reduced = UnitPca.reduce(codes, 3);
        double[] probs = {0.05, 0.5, 0.95};
        var plan = UnitPca.traversals(codes, 3, probs);
        assertEquals(2, plan.size());
        for (int u = 0; u < 2; u++) {
            double[] col = new double[codes.length];
            for (int i = 0; i < codes.length; i++) col[i] = reduced[i][u];
            java.util.Arrays.sort(col);
            // 301 rows: the quantiles fall on rows 15, 150 and 285 exactly
            assertArrayEquals(new double[]{col[15], col[150], col[285]}, plan.get(u).values(), 1e-12);
            var fit = UnitPca.fit(codes, 3);
            for (int i = 0; i < codes.length; i++) assertEquals(reduced[i][u], fit.project(codes[i], u), 0.0);
        }
    }

    @Test
    void unitSizeOneIsIdentityAndBadSizesFail() {
        double[][] c = {{1, 2, 3}, {4, 5, 6}};
        assertArrayEquals(c, UnitPca.reduce(c, 1));
        assertThrows(IllegalArgumentException.class, () -> UnitPca.reduce(c, 2));
    }
}
