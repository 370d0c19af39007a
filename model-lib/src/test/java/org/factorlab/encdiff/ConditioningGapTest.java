package org.factorlab.encdiff;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class ConditioningGapTest {
    private static final int[] TIMESTEPS = {0, 40, 99};

    @Test
    void freshModelIgnoresItsTokens() {
        // the transformers' output projections start at zero, so no token reaches the output yet
        EncDiffModel fresh = new EncDiffModel(TinyEncDiff.config(), new EncDiffSession(TinyEncDiff.config(), 3).state().parameters());
        for (var r : ConditioningGap.measure(fresh, TinyEncDiff.batch(0, 4).images(), TIMESTEPS, 5)) {
            assertEquals(r.own(), r.shifted(), 0.0, "t " + r.t());
            assertEquals(r.own(), r.mean(), 0.0, "t " + r.t());
        }
    }

    @Test
    void trainedLikeModelSeesOtherTokensButNotCopiesOfTheSameImage() {
        EncDiffModel m = perturbedModel();
        List<ConditioningGap.Row> distinct = ConditioningGap.measure(m, TinyEncDiff.batch(0, 4).images(), TIMESTEPS, 5);
        for (var r : distinct) {
            assertNotEquals(r.own(), r.shifted(), "t " + r.t());
            assertTrue(r.own() > 0 && Double.isFinite(r.shifted()) && Double.isFinite(r.mean()));
        }
        // four copies of one image share their tokens: shifting or averaging them changes nothing
        INDArray one = TinyEncDiff.batch(0, 1).images();
        INDArray copies = Nd4j.concat(0, one, one, one, one);
        for (var r : ConditioningGap.measure(m, copies, TIMESTEPS, 5)) {
            assertEquals(r.own(), r.shifted(), 1e-6 * r.own(), "t " + r.t());
            assertEquals(r.own(), r.mean(), 1e-6 * r.own(), "t " + r.t());
        }
        assertEquals(distinct, ConditioningGap.measure(m, TinyEncDiff.batch(0, 4).images(), TIMESTEPS, 5), "same seed, same rows");
    }

    @Test
    void shiftGivesEachImageTheNextImagesTokens() {
        INDArray tokens = Nd4j.arange(0, 3 * 2 * 2).castTo(DataType.FLOAT).reshape(3, 2, 2);
        INDArray s = ConditioningGap.shiftByOne(tokens);
        assertEquals(tokens.get(NDArrayIndex.point(1)), s.get(NDArrayIndex.point(0)));
        assertEquals(tokens.get(NDArrayIndex.point(2)), s.get(NDArrayIndex.point(1)));
        assertEquals(tokens.get(NDArrayIndex.point(0)), s.get(NDArrayIndex.point(2)));
    }

    @Test
    void badInputIsNamed() {
        EncDiffModel m = perturbedModel();
        var e1 = assertThrows(IllegalArgumentException.class,
                () -> ConditioningGap.measure(m, TinyEncDiff.batch(0, 1).images(), TIMESTEPS, 5));
        assertTrue(e1.getMessage().contains("B >= 2"), e1.getMessage());
        var e2 = assertThrows(IllegalArgumentException.class,
                () -> ConditioningGap.measure(m, TinyEncDiff.batch(0, 2).images(), new int[]{100}, 5));
        assertTrue(e2.getMessage().contains("timestep 100"), e2.getMessage());
    }

    private static EncDiffModel perturbedModel() {
        return new EncDiffModel(TinyEncDiff.config(),
                EncDiffModelTest.perturbed(new EncDiffSession(TinyEncDiff.config(), 7).state().parameters(), 0.08));
    }
}
