package org.factorlab.disdiff;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.factorlab.data.Batch;
import org.factorlab.ddpm.DdpmContractTestAccess;
import org.factorlab.ddpm.DdpmFamily;
import org.factorlab.model.Families;
import org.factorlab.provenance.Provenance;
import org.factorlab.train.Checkpoint;
import org.factorlab.train.TrainingSession;

/** A tiny DisDiff (8x8, 3 units of 4) over a tiny ddpm parent trained for two steps and written to a file. */
final class TinyDisDiff {
    static final String PARENT_YAML = DdpmContractTestAccess.YAML;
    static final String YAML = """
            model:
              imageSize: 8
              unet: {modelChannels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [], numHeads: 2, groups: 4}
              encoder: {channels: 8, downsamples: 2, resBlocks: 1, outDim: 12}
              latentUnit: 3
              unitDim: 4
            optimizer: {lr: 1.0e-3, warmupSteps: 0}
            train: {batchSize: 4}
            """;

    private TinyDisDiff() {
    }

    /** Writes a ddpm parent trained for two steps to {@code dir/parent.zip}. */
    static Path writeParent(Path dir) throws IOException {
        String eff = Families.get(DdpmFamily.NAME).effectiveConfig(PARENT_YAML, List.of(), "parent");
        Checkpoint c;
        try (TrainingSession s = Families.open(DdpmFamily.NAME, eff, 3)) {
            s.step(batch(0));
            s.step(batch(1));
            c = new Checkpoint(DdpmFamily.NAME, s.state(), Map.of(), Provenance.of(DdpmFamily.NAME, eff, 3, "none"));
        }
        Path p = dir.resolve("parent.zip");
        Files.write(p, c.toBytes());
        return p;
    }

    /** The tiny config with its parent. */
    static String yaml(Path parent) {
        return YAML + "pretrained: {checkpoint: '" + parent + "'}\n";
    }

    static Batch batch(int i) {
        return org.factorlab.model.FamilyContractTestAccess.images(i, 4, 3, 8, 2);
    }
}
