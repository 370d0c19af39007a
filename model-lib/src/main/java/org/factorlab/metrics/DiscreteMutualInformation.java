package org.factorlab.metrics;

/**
 * Histogram discretisation and discrete mutual information exactly as disentanglement_lib computes them for MIG
 * and modularity: {@code np.digitize(x, np.histogram(x, bins)[1][:-1])} (bins 1..b) and
 * {@code sklearn.metrics.mutual_info_score} (natural log).
 */
public final class DiscreteMutualInformation {
    private static final double EPS = Math.ulp(1.0);

    private DiscreteMutualInformation() {
    }

    /**
     * Equal-width bins over [min, max] numbered 1..bins, as numpy's histogram edges and digitize give them
     * (edges {@code min + i * (max - min) / bins}; a value equal to an edge goes to the bin it opens; max goes to
     * the last bin). A constant column lands in one bin (numpy widens the range by 0.5 each side).
     */
    public static int[] digitize(double[] x, int bins) {
        if (bins < 1) throw new IllegalArgumentException("bins must be >= 1, got " + bins);
        double lo = Double.POSITIVE_INFINITY, hi = Double.NEGATIVE_INFINITY;
        for (double v : x) {
            if (!Double.isFinite(v)) throw new IllegalArgumentException("cannot discretise non-finite value " + v);
            lo = Math.min(lo, v);
            hi = Math.max(hi, v);
        }
        if (lo == hi) {
            lo -= 0.5;
            hi += 0.5;
        }
        double[] edges = new double[bins];
        double step = (hi - lo) / bins;
        for (int i = 0; i < bins; i++) edges[i] = i * step + lo;
        int[] out = new int[x.length];
        for (int n = 0; n < x.length; n++) {
            // number of edges[0..bins-1] <= x (np.digitize, right=False)
            int a = 0, b = bins;
            while (a < b) {
                int m = (a + b) >>> 1;
                if (edges[m] <= x[n]) a = m + 1;
                else b = m;
            }
            out[n] = a;
        }
        return out;
    }

    /** Mutual information (nats) of two label arrays with non-negative labels. */
    public static double mutualInformation(int[] a, int[] b) {
        if (a.length != b.length) throw new IllegalArgumentException("label arrays differ in length: " + a.length + " vs " + b.length);
        int n = a.length;
        if (n == 0) return 0;
        int na = max(a) + 1, nb = max(b) + 1;
        long[] ca = new long[na], cb = new long[nb];
        long[] joint = new long[na * nb];
        for (int i = 0; i < n; i++) {
            ca[a[i]]++;
            cb[b[i]]++;
            joint[a[i] * nb + b[i]]++;
        }
        // one label on either side: MI is 0 exactly (sklearn returns 0 here too)
        if (java.util.Arrays.stream(ca).filter(c -> c > 0).count() == 1 || java.util.Arrays.stream(cb).filter(c -> c > 0).count() == 1)
            return 0;
        // sklearn's arithmetic term by term (terms below machine epsilon are zeroed), so that e.g. a constant
        // code has MI exactly 0 rather than 1e-16, which would make modularity's max-normalisation blow up.
        double mi = 0;
        double logN = Math.log(n);
        for (int i = 0; i < na; i++) {
            if (ca[i] == 0) continue;
            for (int j = 0; j < nb; j++) {
                long c = joint[i * nb + j];
                if (c == 0) continue;
                double p = (double) c / n;
                double logOuter = -Math.log((double) ca[i] * cb[j]) + logN + logN;
                double term = p * (Math.log(c) - logN) + p * logOuter;
                if (Math.abs(term) >= EPS) mi += term;
            }
        }
        return Math.max(0, mi); // sklearn clips round-off below 0
    }

    /** Entropy (nats) = MI(y, y). */
    public static double entropy(int[] y) {
        return mutualInformation(y, y);
    }

    /** {@code m[d][k]} = MI(discretised code dim d, factor k), as disentanglement_lib's discrete_mutual_info. */
    public static double[][] matrix(int[][] discretisedDims, int[][] factorLabels) {
        double[][] m = new double[discretisedDims.length][factorLabels.length];
        for (int d = 0; d < discretisedDims.length; d++)
            for (int k = 0; k < factorLabels.length; k++) m[d][k] = mutualInformation(discretisedDims[d], factorLabels[k]);
        return m;
    }

    private static int max(int[] v) {
        int m = 0;
        for (int x : v) {
            if (x < 0) throw new IllegalArgumentException("negative label " + x);
            m = Math.max(m, x);
        }
        return m;
    }
}
