package org.factorlab.metrics;

import java.util.Arrays;

/**
 * Optimal one-to-one assignment (Hungarian method with potentials, O(n^2 m)) for rectangular matrices, as
 * scipy.optimize.linear_sum_assignment solves it: min(rows, cols) pairs, each row and column used at most once.
 * commons-math3 has no solver, hence this small one.
 */
public final class LinearAssignment {
    private LinearAssignment() {
    }

    /** {@code out[r]} = column assigned to row r, or -1; minimises the total cost. */
    public static int[] minimize(double[][] cost) {
        int rows = cost.length;
        if (rows == 0) return new int[0];
        int cols = cost[0].length;
        for (double[] r : cost) {
            if (r.length != cols) throw new IllegalArgumentException("ragged cost matrix");
            for (double v : r) if (!Double.isFinite(v)) throw new IllegalArgumentException("cost matrix holds " + v);
        }
        if (rows > cols) {
            double[][] t = new double[cols][rows];
            for (int i = 0; i < rows; i++) for (int j = 0; j < cols; j++) t[j][i] = cost[i][j];
            int[] colToRow = minimize(t);
            int[] out = new int[rows];
            Arrays.fill(out, -1);
            for (int j = 0; j < cols; j++) out[colToRow[j]] = j;
            return out;
        }
        // rows <= cols; 1-based arrays as in the classic formulation
        int n = rows, m = cols;
        double[] u = new double[n + 1], v = new double[m + 1];
        int[] p = new int[m + 1], way = new int[m + 1];
        for (int i = 1; i <= n; i++) {
            p[0] = i;
            int j0 = 0;
            double[] minv = new double[m + 1];
            Arrays.fill(minv, Double.POSITIVE_INFINITY);
            boolean[] used = new boolean[m + 1];
            do {
                used[j0] = true;
                int i0 = p[j0], j1 = -1;
                double delta = Double.POSITIVE_INFINITY;
                for (int j = 1; j <= m; j++) {
                    if (used[j]) continue;
                    double cur = cost[i0 - 1][j - 1] - u[i0] - v[j];
                    if (cur < minv[j]) { minv[j] = cur; way[j] = j0; }
                    if (minv[j] < delta) { delta = minv[j]; j1 = j; }
                }
                for (int j = 0; j <= m; j++) {
                    if (used[j]) { u[p[j]] += delta; v[j] -= delta; }
                    else minv[j] -= delta;
                }
                j0 = j1;
            } while (p[j0] != 0);
            do {
                int j1 = way[j0];
                p[j0] = p[j1];
                j0 = j1;
            } while (j0 != 0);
        }
        int[] out = new int[n];
        Arrays.fill(out, -1);
        for (int j = 1; j <= m; j++) if (p[j] != 0) out[p[j] - 1] = j - 1;
        return out;
    }

    /** The assignment maximising the total weight. */
    public static int[] maximize(double[][] weight) {
        double[][] c = new double[weight.length][];
        for (int i = 0; i < weight.length; i++) {
            c[i] = new double[weight[i].length];
            for (int j = 0; j < c[i].length; j++) c[i][j] = -weight[i][j];
        }
        return minimize(c);
    }
}
