package org.factorlab.metrics;

import java.util.List;
import java.util.SplittableRandom;

/**
 * Which rows a metric uses. disentanglement_lib draws fresh i.i.d. points from the generator; over codes
 * precomputed for a finite data set we draw rows without replacement (so train and test sets never share a
 * row). With fewer rows than requested a metric uses all of them, split in the requested proportion, and says
 * so in its diagnostics.
 */
final class Sampling {
    private Sampling() {
    }

    /** A stream of randomness for one metric, independent of which other metrics run. */
    static SplittableRandom rng(long seed, MetricKind metric) {
        return new SplittableRandom(seed * 0x9E3779B97F4A7C15L + metric.id().hashCode());
    }

    /**
     * {@code count} rows of {@code n}: i.i.d. uniform draws with replacement ({@code iid}, disentanglement_lib's
     * protocol), or distinct rows in random order (all rows when count >= n).
     */
    static int[] rows(int n, int count, SplittableRandom rng, MetricsConfig.RowSampling sampling, String what, List<String> warnings) {
        if (sampling == MetricsConfig.RowSampling.IID) {
            if (n < 1) throw new IllegalArgumentException(what + ": no rows to draw from");
            int[] out = new int[count];
            for (int i = 0; i < count; i++) out[i] = rng.nextInt(n);
            return out;
        }
        if (count > n) {
            warnings.add(what + ": requested " + count + " points, only " + n + " rows; used all " + n);
            count = n;
        }
        int[] perm = new int[n];
        for (int i = 0; i < n; i++) perm[i] = i;
        for (int i = 0; i < count; i++) {
            int j = i + rng.nextInt(n - i);
            int t = perm[i]; perm[i] = perm[j]; perm[j] = t;
        }
        return java.util.Arrays.copyOf(perm, count);
    }

    record Split(int[] train, int[] test) {
    }

    /** Disjoint train and test rows; scaled down proportionally when there are fewer than numTrain + numTest rows. */
    static Split split(int n, int numTrain, int numTest, SplittableRandom rng, MetricsConfig.RowSampling sampling, String what,
                       List<String> warnings) {
        if (sampling == MetricsConfig.RowSampling.IID) {
            // disentanglement_lib draws the train points, then the test points, each i.i.d. from the generator
            int[] train = rows(n, numTrain, rng, sampling, what, warnings);
            return new Split(train, rows(n, numTest, rng, sampling, what, warnings));
        }
        int total = numTrain + numTest;
        if (total > n) {
            int train = (int) Math.round((double) n * numTrain / total);
            int test = n - train;
            warnings.add(what + ": requested " + numTrain + " train + " + numTest + " test points, only " + n
                    + " rows; used " + train + " train + " + test + " test");
            numTrain = train;
            numTest = test;
        }
        if (numTrain < 2 || numTest < 1)
            throw new IllegalArgumentException(what + ": " + n + " rows are too few for a train/test split");
        int[] rows = rows(n, numTrain + numTest, rng, sampling, what, warnings);
        return new Split(java.util.Arrays.copyOfRange(rows, 0, numTrain), java.util.Arrays.copyOfRange(rows, numTrain, numTrain + numTest));
    }
}
