package org.factorlab.vq;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import org.factorlab.model.Families;
import org.factorlab.train.Losses;
import org.factorlab.train.TrainingSession;
import org.factorlab.train.TrainingState;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The platform's contract for vqae: same (config, seed) gives the same numbers; a restored state continues exactly. */
class VqContractTest {
    @Test
    void sameConfigAndSeedAreBitIdenticalAndAResumedSessionContinuesExactly() {
        String effective = new VqFamily().effectiveConfig(TinyVq.YAML, List.of(), "tiny");
        INDArray x = TinyVq.images(8, 3);
        try (TrainingSession a = Families.open(VqFamily.NAME, effective, 7); TrainingSession b = Families.open(VqFamily.NAME, effective, 7)) {
            for (var e : a.state().parameters().entrySet()) assertEquals(e.getValue(), b.state().parameters().get(e.getKey()), e.getKey());
            Losses la = a.step(TinyVq.batch(x)), lb = b.step(TinyVq.batch(x));
            assertEquals(la.values(), lb.values());
            TrainingState mid = a.state();
            Losses next = a.step(TinyVq.batch(x));
            try (TrainingSession c = Families.open(VqFamily.NAME, effective, 7)) {
                c.load(mid);
                assertEquals(next.values(), c.step(TinyVq.batch(x)).values());
                for (var e : a.state().parameters().entrySet()) assertEquals(e.getValue(), c.state().parameters().get(e.getKey()), e.getKey());
            }
        }
    }
}
