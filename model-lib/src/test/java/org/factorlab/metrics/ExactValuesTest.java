package org.factorlab.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

/** Small cases with values known from the definitions (and from scipy / sklearn on the same inputs). */
class ExactValuesTest {
    @Test
    void ranksAverageTiesAsScipyRankdata() {
        // scipy.stats.rankdata([3, 1, 2, 2, 3, -0.0, 0.0]) = [6.5, 3, 4.5, 4.5, 6.5, 1.5, 1.5]
        assertArrayEquals(new double[]{6.5, 3, 4.5, 4.5, 6.5, 1.5, 1.5}, SpearmanMcc.ranks(new double[]{3, 1, 2, 2, 3, -0.0, 0.0}));
    }

    @Test
    void rocAucAsSklearn() {
        // sklearn.metrics.roc_auc_score([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) = 0.75
        assertEquals(0.75, Explicitness.rocAuc(new double[]{0.1, 0.4, 0.35, 0.8}, new boolean[]{false, false, true, true}), 1e-12);
        // ties count half: roc_auc_score([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9]) = 0.875
        assertEquals(0.875, Explicitness.rocAuc(new double[]{0.5, 0.5, 0.2, 0.9}, new boolean[]{false, true, false, true}), 1e-12);
        assertTrue(Double.isNaN(Explicitness.rocAuc(new double[]{1, 2}, new boolean[]{true, true})));
    }

    @Test
    void migAndSapGapsFromMatrices() {
        // factor 0: top 0.6, second 0.2, H = 0.8 -> 0.5; factor 1: top 0.9, second 0.3, H = 1.2 -> 0.5
        double[][] mi = {{0.6, 0.1}, {0.2, 0.9}, {0.1, 0.3}};
        assertEquals(0.5, Mig.score(mi, new double[]{0.8, 1.2}), 1e-12);
        assertEquals((0.4 + 0.6) / 2, Sap.meanTopTwoGap(mi), 1e-12);
    }

    @Test
    void spearmanMccMatchesOneToOne() {
        // dims 0,1 both track factor 0 best, but only one may take it: optimum = 0.9 (d0-f0) + 0.8 (d1-f1)
        double[][] c = {{0.9, 0.1}, {0.95, 0.8}, {0.2, 0.3}};
        assertEquals((0.9 + 0.8) / 2, SpearmanMcc.matchedMean(c), 1e-12);
    }
}
