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

    /** {@code count} distinct rows of {@code n} (all rows when count >= n), in random order. */
    static int[] rows(int n, int count, SplittableRandom rng, String what, List<String> warnings) {
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
    static Split split(int n, int numTrain, int numTest, SplittableRandom rng, String what, List<String> warnings) {
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
        int[] rows = rows(n, numTrain + numTest, rng, what, warnings);
        return new Split(java.util.Arrays.copyOfRange(rows, 0, numTrain), java.util.Arrays.copyOfRange(rows, numTrain, numTrain + numTest));
    }
}
