package org.factorlab.encdiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class SwapFactorChangesTest {
    @Test
    void nearestMatchesBruteForce() {
        Nd4j.getRandom().setSeed(3);
        INDArray ref = Nd4j.rand(DataType.FLOAT, 40, 3, 4, 4);
        INDArray q = Nd4j.rand(DataType.FLOAT, 25, 3, 4, 4);
        int[] got = SwapFactorChanges.nearest(q, ref);
        for (int i = 0; i < 25; i++) {
            int best = -1;
            double bd = Double.MAX_VALUE;
            for (int j = 0; j < 40; j++) {
                double d = q.get(NDArrayIndex.point(i)).castTo(DataType.DOUBLE).squaredDistance(ref.get(NDArrayIndex.point(j)).castTo(DataType.DOUBLE));
                if (d < bd) {
                    bd = d;
                    best = j;
                }
            }
            assertEquals(best, got[i], "query " + i);
        }
    }

    @Test
    void noisyCopiesFindTheirOriginals() {
        Nd4j.getRandom().setSeed(4);
        INDArray ref = Nd4j.rand(DataType.FLOAT, 30, 3, 8, 8);
        int[] perm = {7, 0, 29, 13, 13, 2};
        INDArray q = Nd4j.create(DataType.FLOAT, perm.length, 3, 8, 8);
        for (int i = 0; i < perm.length; i++) q.putSlice(i, ref.get(NDArrayIndex.point(perm[i])).add(0.01));
        assertArrayEquals(perm, SwapFactorChanges.nearest(q, ref));
    }

    @Test
    void tableCountsChangesAgainstTheDecodedTarget() {
        // 3 pairs, 2 factors; the decoded targets were labelled {0,0}, {1,1}, {2,0}
        int[][] decoded = {{0, 0}, {1, 1}, {2, 0}};
        int[][][] swapped = {
                {{1, 0}, {1, 1}, {3, 0}},  // token 0: factor 0 changed in pairs 0 and 2
                {{0, 0}, {1, 0}, {1, 1}}}; // token 1: factor 1 in pairs 1 and 2, factor 0 in pair 2
        int[][] sources = {{1, 0}, {1, 1}, {0, 1}};
        int[][] targets = {{0, 0}, {1, 0}, {2, 1}};
        SwapFactorChanges.Table t = SwapFactorChanges.table(swapped, decoded, sources, targets);
        assertArrayEquals(new double[]{2 / 3.0, 0}, t.rate()[0], 1e-12);
        assertArrayEquals(new double[]{1 / 3.0, 2 / 3.0}, t.rate()[1], 1e-12);
        assertArrayEquals(new double[]{2 / 3.0, 1 / 3.0}, t.possible(), 1e-12);
        // to the source's value: token 0 in pair 0 (1 = source 1), not pair 2 (3 != source 0); token 1's factor 1
        // in pair 2 (1 = source 1), not pair 1 (0 != source 1); its factor 0 in pair 2 is 1, not the source's 0
        assertArrayEquals(new double[]{1 / 3.0, 0}, t.toSource()[0], 1e-12);
        assertArrayEquals(new double[]{0, 1 / 3.0}, t.toSource()[1], 1e-12);
        assertEquals(0, t.dominantFactor(0));
        assertEquals(1, t.dominantFactor(1));
    }

    @Test
    void mismatchedPairCountsAreRejected() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> SwapFactorChanges.table(new int[][][]{{{0}}}, new int[][]{{0}}, new int[][]{{0}, {1}}, new int[][]{{0}}));
        assertEquals(true, e.getMessage().contains("2 sources"), e.getMessage());
    }
}
