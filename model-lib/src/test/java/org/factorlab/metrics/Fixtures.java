package org.factorlab.metrics;

import java.util.Random;

/** Synthetic inputs like disentanglement_lib's IdentityObservationsData (10 factors x 10 values, observation = factors). */
final class Fixtures {
    private Fixtures() {
    }

    /** n rows of uniformly drawn classes for factors of the given sizes. */
    static int[][] randomFactors(int n, int[] sizes, long seed) {
        Random r = new Random(seed);
        int[][] f = new int[n][sizes.length];
        for (int i = 0; i < n; i++) for (int k = 0; k < sizes.length; k++) f[i][k] = r.nextInt(sizes[k]);
        return f;
    }

    static int[][] identityFactors(int n, long seed) {
        int[] sizes = new int[10];
        java.util.Arrays.fill(sizes, 10);
        return randomFactors(n, sizes, seed);
    }

    static double[][] asCodes(int[][] f) {
        double[][] c = new double[f.length][f[0].length];
        for (int i = 0; i < f.length; i++) for (int k = 0; k < f[i].length; k++) c[i][k] = f[i][k];
        return c;
    }

    static CodesAndFactors identity(int n, long seed) {
        int[][] f = identityFactors(n, seed);
        return new CodesAndFactors(asCodes(f), f);
    }

    static CodesAndFactors zeros(int n, long seed) {
        int[][] f = identityFactors(n, seed);
        return new CodesAndFactors(new double[n][10], f);
    }

    static CodesAndFactors duplicated(int n, long seed) {
        int[][] f = identityFactors(n, seed);
        double[][] c = new double[n][20];
        for (int i = 0; i < n; i++) for (int k = 0; k < 10; k++) { c[i][k] = f[i][k]; c[i][k + 10] = f[i][k]; }
        return new CodesAndFactors(c, f);
    }

    /** Each row's code entries permuted independently (disentanglement_lib's "bad" representation). */
    static CodesAndFactors rowPermuted(int n, long seed) {
        int[][] f = identityFactors(n, seed);
        double[][] c = asCodes(f);
        Random r = new Random(seed + 1);
        for (double[] row : c)
            for (int i = row.length - 1; i > 0; i--) {
                int j = r.nextInt(i + 1);
                double t = row[i]; row[i] = row[j]; row[j] = t;
            }
        return new CodesAndFactors(c, f);
    }

    /**
     * Codes = (1 - alpha) * own factor + alpha * mean of the other factors, plus Gaussian noise, for factors of
     * the given sizes (scaled to [0, 1]); extra dims are pure noise. alpha = 0 is disentangled.
     */
    static CodesAndFactors mixed(int n, int[] sizes, int extraDims, double alpha, double noise, long seed) {
        int[][] f = randomFactors(n, sizes, seed);
        Random r = new Random(seed + 7);
        int k = sizes.length;
        double[][] c = new double[n][k + extraDims];
        for (int i = 0; i < n; i++) {
            double[] v = new double[k];
            double total = 0;
            for (int j = 0; j < k; j++) { v[j] = sizes[j] == 1 ? 0 : f[i][j] / (double) (sizes[j] - 1); total += v[j]; }
            for (int j = 0; j < k; j++)
                c[i][j] = (1 - alpha) * v[j] + alpha * (total - v[j]) / (k - 1) + noise * r.nextGaussian();
            for (int j = k; j < k + extraDims; j++) c[i][j] = r.nextGaussian();
        }
        return new CodesAndFactors(c, f);
    }

    static final int[] SHAPES3D = {10, 10, 10, 8, 4, 15};

    /** Small point counts so tests stay fast (the reference tests use 1000-3000 points too). */
    static MetricsConfig small() {
        MetricsConfig d = MetricsConfig.defaults();
        return new MetricsConfig(0,
                new MetricsConfig.FactorVae(64, 1000, 500, 2000, 0.05),
                new MetricsConfig.Dci(1000, 1000, 30, 3, 0.1, 0.0, 0.0, 256, 1),
                new MetricsConfig.Mig(3000, 20), d.sap().numTrain() > 0 ? new MetricsConfig.Sap(1000, 1000, 0.01, true) : null,
                new MetricsConfig.Modularity(3000, 20), new MetricsConfig.Explicitness(1000, 1000, 1.0),
                new MetricsConfig.Mcc(3000));
    }
}
