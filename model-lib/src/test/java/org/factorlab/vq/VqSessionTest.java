package org.factorlab.vq;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.util.List;
import java.util.Map;
import org.factorlab.model.Families;
import org.factorlab.model.TrainedModel;
import org.factorlab.provenance.Provenance;
import org.factorlab.train.Checkpoint;
import org.factorlab.train.Losses;
import org.factorlab.train.TrainingState;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Training a tiny vqae through the platform: named losses, a better reconstruction, the checkpointed first-stage API. */
class VqSessionTest {
    private static final int STEPS = 40;

    @Test
    void trainingImprovesDecodeOfEncodeAndTheCheckpointCarriesTheFirstStage() throws Exception {
        String effective = new VqFamily().effectiveConfig(TinyVq.YAML + "optimizer: {lr: 3.0e-3}\n", List.of(), "tiny");
        INDArray train = TinyVq.images(16, 1), test = TinyVq.images(8, 99);
        VqAutoencoder untrained;
        double before;
        try (VqSession s = (VqSession) Families.open(VqFamily.NAME, effective, 4)) {
            assertEquals(List.of(Losses.TOTAL, VqGraph.REC, VqGraph.CODEBOOK_LOSS, VqGraph.G, VqGraph.DISC, VqGraph.G_WEIGHT_OUT,
                    VqGraph.PERPLEXITY, VqGraph.DEAD_CODES), s.lossNames());
            untrained = model(s, effective);
            before = error(untrained, test);
            Losses last = null;
            for (int i = 0; i < STEPS; i++)
                last = s.step(TinyVq.batch(train.get(org.nd4j.linalg.indexing.NDArrayIndex.interval((i % 4) * 4, (i % 4) * 4 + 4))));
            double total = last.get(VqGraph.REC) + last.get(VqGraph.CODEBOOK_LOSS) + last.get(VqGraph.G_WEIGHT_OUT) * last.get(VqGraph.G)
                    + last.get(VqGraph.DISC);
            assertEquals(total, last.total(), 1e-5 * Math.abs(total));
            assertEquals(s.lastAdaptiveWeight(), last.get(VqGraph.G_WEIGHT_OUT), 1e-6 * s.lastAdaptiveWeight());
            assertTrue(last.get(VqGraph.PERPLEXITY) >= 1 && last.get(VqGraph.DEAD_CODES) < 16, last.toString());
            assertTrue(s.scaleFactor() != 1.0 && s.scaleFactor() > 0);
            TrainingState state = s.state();
            Checkpoint ck = new Checkpoint(VqFamily.NAME, state, Map.of(), Provenance.of(VqFamily.NAME, effective, 4, "none"));
            Checkpoint back = Checkpoint.read(new ByteArrayInputStream(ck.toBytes()), "mem.zip");
            TrainedModel m = Families.load(back, "mem.zip");
            VqAutoencoder trained = (VqAutoencoder) m;
            assertEquals(s.scaleFactor(), trained.scaleFactor(), 1e-6);
            double after = error(trained, test);
            // 40 fast steps: trajectories part after ~20 steps as codes flip (seeds 4-6: after/before 0.69-0.82)
            assertTrue(after < 0.85 * before, "mean |x - decode(encode(x))| " + before + " untrained, " + after + " after " + STEPS + " steps");
            // scaled latents: std about 1 on training data; decode(quantize=false) differs from the quantised path
            // the stored scale lags one update (here 40 fast steps move it by ~1.6x); scale_by_std on a batch is exact
            assertEquals(1.0, trained.encode(train).stdNumber().doubleValue(), 1.0);
            VqAutoencoder rescaled = trained.withScaleFactorOf(train);
            INDArray z = rescaled.encode(train);
            assertEquals(1.0, z.stdNumber().doubleValue(), 1e-4);
            assertEquals(trained.decode(trained.encode(test), true), rescaled.decode(rescaled.encode(test), true));
            assertEquals(rescaled.decode(z, true), rescaled.decode(rescaled.quantize(z), false));
            assertTrue(rescaled.decode(z, true).sub(rescaled.decode(z, false)).amaxNumber().doubleValue() > 0, "decode(quantize=false) skips the codebook");
            assertEquals(192, m.encoder().encode(test).size(1));
            assertEquals(192, trained.encoder().codeDim(), "3 x 8 x 8");
            assertThrows(UnsupportedOperationException.class, () -> trained.swap(test, test, null));
        }
    }

    @Test
    void aCheckpointOfAnotherFamilyIsAClearError() {
        var state = new TrainingState(0, Map.of(), Map.of());
        Checkpoint other = new Checkpoint("encdiff", state, Map.of(), Provenance.of("encdiff", "", 0, "none"));
        var e = assertThrows(IllegalArgumentException.class, () -> VqAutoencoder.fromCheckpoint(other, "run/ckpt-000000010.zip"));
        assertTrue(e.getMessage().contains("run/ckpt-000000010.zip") && e.getMessage().contains("[model]"), e.getMessage());
    }

    @Test
    void batchImagesOfAnotherSizeNameTheKey() {
        try (VqSession s = new VqSession(TinyVq.config(), 1)) {
            var e = assertThrows(IllegalArgumentException.class, () -> s.step(TinyVq.batch(org.nd4j.linalg.factory.Nd4j.zeros(2, 3, 8, 8))));
            assertTrue(e.getMessage().contains(VqConfig.IMAGE_SIZE_KEY), e.getMessage());
        }
    }

    private static VqAutoencoder model(VqSession s, String effective) {
        return new VqAutoencoder(VqConfig.parse(effective, "tiny"), s.parameters(), 1.0);
    }

    private static double error(VqAutoencoder m, INDArray x) {
        return m.decode(m.encode(x), true).sub(x).ameanNumber().doubleValue();
    }
}
