package org.factorlab.encdiff;

import java.util.Arrays;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Which factors a factor swap changes, on a labelled dataset: every decoded image is given the factor classes of its
 * nearest dataset image (squared L2 over pixels), and cell (token c, pair i) counts as changing factor k when that label
 * differs from the label of the plainly decoded target i. A token that controls one factor changes that factor in the
 * pairs whose source and target differ in it, and nothing else. Labelling by nearest neighbour needs a dataset that
 * covers the decoded images' factor combinations, such as a rendered grid. A change counts as "to the source" when the
 * cell's label equals the source's true value of k and the decoded target's label does not: what a swap should do.
 */
public final class SwapFactorChanges {
    private SwapFactorChanges() {
    }

    /**
     * Result: {@code rate[c][k]}, the fraction of pairs in which swapping token c changed factor k; {@code possible[k]},
     * the fraction of pairs whose source and target differ in factor k (what a token owning k would reach);
     * {@code toSource[c][k]}, the fraction of pairs in which swapping token c changed factor k to the source's value.
     */
    public record Table(double[][] rate, double[][] toSource, double[] possible) {
        /** The factor token c changes most often, and how often. */
        public int dominantFactor(int c) {
            int best = 0;
            for (int k = 1; k < rate[c].length; k++) if (rate[c][k] > rate[c][best]) best = k;
            return best;
        }
    }

    /** Index of the nearest row of {@code reference} ([N, ...]) for each row of {@code queries} ([M, ...]). */
    public static int[] nearest(INDArray queries, INDArray reference) {
        INDArray q = queries.reshape(queries.size(0), -1).castTo(DataType.DOUBLE);
        INDArray r = reference.reshape(reference.size(0), -1).castTo(DataType.DOUBLE);
        if (q.size(1) != r.size(1))
            throw new IllegalArgumentException("nearest: queries have " + q.size(1) + " values per row, the reference " + r.size(1));
        // ||q - r||^2 = ||q||^2 - 2 q.r + ||r||^2; the ||q||^2 term does not change the argmin
        INDArray d = q.mmul(r.transpose()).muli(-2).addiRowVector(r.mul(r).sum(1));
        return Nd4j.argMin(d, 1).toIntVector();
    }

    /**
     * @param swapped  labels of the swap cells, {@code [tokens][pairs][factors]}
     * @param decoded  labels of the decoded targets, {@code [pairs][factors]}
     * @param sources  true factors of the sources, {@code [pairs][factors]}
     * @param targets  true factors of the targets, {@code [pairs][factors]}
     */
    public static Table table(int[][][] swapped, int[][] decoded, int[][] sources, int[][] targets) {
        int tokens = swapped.length, pairs = decoded.length, k = decoded.length == 0 ? 0 : decoded[0].length;
        if (pairs == 0) throw new IllegalArgumentException("swap factor changes: no pairs");
        if (sources.length != pairs || targets.length != pairs)
            throw new IllegalArgumentException("swap factor changes: " + pairs + " decoded targets but " + sources.length + " sources and "
                    + targets.length + " targets");
        double[][] rate = new double[tokens][k];
        double[][] toSource = new double[tokens][k];
        double[] possible = new double[k];
        for (int i = 0; i < pairs; i++)
            for (int f = 0; f < k; f++) if (sources[i][f] != targets[i][f]) possible[f] += 1.0 / pairs;
        for (int c = 0; c < tokens; c++) {
            if (swapped[c].length != pairs)
                throw new IllegalArgumentException("swap factor changes: token " + c + " has " + swapped[c].length + " cells, expected " + pairs);
            for (int i = 0; i < pairs; i++)
                for (int f = 0; f < k; f++) {
                    if (swapped[c][i][f] == decoded[i][f]) continue;
                    rate[c][f] += 1.0 / pairs;
                    if (swapped[c][i][f] == sources[i][f]) toSource[c][f] += 1.0 / pairs;
                }
        }
        return new Table(rate, toSource, possible);
    }

    /** Rows of {@code factors} picked by {@code idx}. */
    public static int[][] pick(int[][] factors, int[] idx) {
        return Arrays.stream(idx).mapToObj(i -> factors[i]).toArray(int[][]::new);
    }
}
