package org.factorlab.ddpm;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.factorlab.data.Batch;
import org.factorlab.diffusion.DdimConfig;
import org.factorlab.model.FamilyContractTest;
import org.factorlab.model.Families;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The unconditional DDPM keeps the family contract (it has no encoder), and samples deterministically per seed. */
class DdpmContractTest extends FamilyContractTest {
    /** 8x8 RGB, two levels of 8 channels: a step in well under a second. */
    static final String YAML = """
            model:
              imageSize: 8
              unet: {modelChannels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [], numHeads: 2, groups: 4}
            optimizer: {lr: 1.0e-3, warmupSteps: 0}
            train: {batchSize: 4}
            """;

    @Override
    protected String family() {
        return DdpmFamily.NAME;
    }

    @Override
    protected String config() {
        return YAML;
    }

    @Override
    protected boolean hasEncoder() {
        return false;
    }

    @Override
    protected Batch batch(int i) {
        return images(i, 4, 3, 8, 2);
    }

    @Test
    void samplesAreSeededAndTheEncoderIsAClearError() {
        String eff = effectiveConfig();
        Map<String, INDArray> params;
        try (var s = Families.open(family(), eff, 1)) {
            s.step(batch(0));
            params = s.state().parameters();
        }
        DdpmModel m = new DdpmModel(DdpmConfig.parse(eff, "test"), params);
        INDArray a = m.sample(2, DdimConfig.of(4, 0), 5), b = m.sample(2, DdimConfig.of(4, 0), 5), c = m.sample(2, DdimConfig.of(4, 0), 6);
        assertArrayEquals(new long[]{2, 3, 8, 8}, a.shape());
        assertEquals(a, b);
        assertTrue(a.sub(c).amaxNumber().doubleValue() > 0, "another seed gives other samples");
        var e = assertThrows(UnsupportedOperationException.class, m::encoder);
        assertTrue(e.getMessage().contains("ddpm"), e.getMessage());
    }

    @Test
    void badUnetSizeNamesTheKey() {
        var e = assertThrows(IllegalArgumentException.class,
                () -> DdpmConfig.parse("model: {imageSize: 10, unet: {channelMult: [1, 2, 2]}}", "bad.yaml"));
        assertTrue(e.getMessage().contains("bad.yaml") && e.getMessage().contains("unet.resolution"), e.getMessage());
        assertEquals(List.of(), Families.get(family()).parents(effectiveConfig()));
        assertTrue(DataType.FLOAT.isFPType());
    }
}
