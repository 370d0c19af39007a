package org.factorlab.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Random;
import org.junit.jupiter.api.Test;

class LinearAssignmentTest {
    @Test
    void matchesBruteForceOnRandomSquareAndRectangularMatrices() {
        Random r = new Random(42);
        for (int trial = 0; trial < 300; trial++) {
            int rows = 1 + r.nextInt(6), cols = 1 + r.nextInt(6);
            double[][] c = new double[rows][cols];
            for (double[] row : c) for (int j = 0; j < cols; j++) row[j] = r.nextInt(4) == 0 ? r.nextInt(3) : r.nextDouble() * 10 - 5;
            int[] a = LinearAssignment.minimize(c);
            assertEquals(brute(c), cost(c, a), 1e-9, "trial " + trial);
            // a valid matching: min(rows, cols) pairs, columns distinct
            long assigned = java.util.Arrays.stream(a).filter(x -> x >= 0).count();
            assertEquals(Math.min(rows, cols), assigned);
            assertEquals(assigned, java.util.Arrays.stream(a).filter(x -> x >= 0).distinct().count());
        }
    }

    @Test
    void knownExample() {
        // scipy.optimize.linear_sum_assignment docs: cost [[4,1,3],[2,0,5],[3,2,2]] -> cols [1,0,2], total 5
        assertArrayEquals(new int[]{1, 0, 2}, LinearAssignment.minimize(new double[][]{{4, 1, 3}, {2, 0, 5}, {3, 2, 2}}));
        assertArrayEquals(new int[]{0, 1}, LinearAssignment.maximize(new double[][]{{0.9, 0.1, 0.2}, {0.3, 0.8, 0.7}}));
    }

    @Test
    void rejectsNonFiniteCosts() {
        assertThrows(IllegalArgumentException.class, () -> LinearAssignment.minimize(new double[][]{{1, Double.NaN}}));
    }

    static double cost(double[][] c, int[] a) {
        double s = 0;
        for (int i = 0; i < a.length; i++) if (a[i] >= 0) s += c[i][a[i]];
        return s;
    }

    static double brute(double[][] c) {
        int rows = c.length, cols = c[0].length;
        if (rows > cols) {
            double[][] t = new double[cols][rows];
            for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j][i] = c[i][j];
            return brute(t);
        }
        return best(c, 0, new boolean[cols]);
    }

    private static double best(double[][] c, int row, boolean[] used) {
        if (row == c.length) return 0;
        double b = Double.POSITIVE_INFINITY;
        for (int j = 0; j < used.length; j++) {
            if (used[j]) continue;
            used[j] = true;
            b = Math.min(b, c[row][j] + best(c, row + 1, used));
            used[j] = false;
        }
        return b;
    }
}
