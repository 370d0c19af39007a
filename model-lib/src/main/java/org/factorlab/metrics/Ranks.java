package org.factorlab.metrics;

/**
 * Sorting helpers for the metrics: a stable index sort of doubles and average ranks. A least-significant-digit
 * radix sort on the doubles' order-preserving 64-bit keys: linear time whatever the input (sorted, constant,
 * many ties), no boxing, and passes whose byte is the same for every key are skipped.
 */
final class Ranks {
    private Ranks() {
    }

    /** Indices of {@code x} in ascending order (stable; -0.0 and 0.0 count as equal). NaN is an error. */
    static int[] argsort(double[] x) {
        int n = x.length;
        long[] key = new long[n];
        for (int i = 0; i < n; i++) key[i] = sortableBits(x[i]);
        int[] idx = new int[n];
        for (int i = 0; i < n; i++) idx[i] = i;
        if (n < 2) return idx;
        long[] key2 = new long[n];
        int[] idx2 = new int[n];
        int[] count = new int[257];
        for (int shift = 0; shift < 64; shift += 8) {
            java.util.Arrays.fill(count, 0);
            for (int i = 0; i < n; i++) count[(int) ((key[i] >>> shift) & 0xFF) + 1]++;
            if (count[(int) ((key[0] >>> shift) & 0xFF) + 1] == n) continue; // every key has this byte
            for (int b = 0; b < 256; b++) count[b + 1] += count[b];
            for (int i = 0; i < n; i++) {
                int p = count[(int) ((key[i] >>> shift) & 0xFF)]++;
                key2[p] = key[i];
                idx2[p] = idx[i];
            }
            long[] tk = key; key = key2; key2 = tk;
            int[] ti = idx; idx = idx2; idx2 = ti;
        }
        return idx;
    }

    /** A long whose unsigned order is the numeric order of {@code v} (-0.0 mapped to 0.0). */
    private static long sortableBits(double v) {
        if (Double.isNaN(v)) throw new IllegalArgumentException("cannot rank NaN");
        long b = Double.doubleToRawLongBits(v + 0.0); // v + 0.0 turns -0.0 into 0.0
        return b < 0 ? ~b : b ^ Long.MIN_VALUE;
    }

    /** Average ranks 1..n (ties share their mean rank), as scipy.stats.rankdata. */
    static double[] average(double[] x) {
        int[] order = argsort(x);
        double[] r = new double[x.length];
        int i = 0;
        while (i < order.length) {
            int j = i;
            while (j + 1 < order.length && x[order[j + 1]] == x[order[i]]) j++;
            double avg = (i + j) / 2.0 + 1;
            for (int t = i; t <= j; t++) r[order[t]] = avg;
            i = j + 1;
        }
        return r;
    }
}
