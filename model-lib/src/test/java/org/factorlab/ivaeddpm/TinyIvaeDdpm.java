package org.factorlab.ivaeddpm;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.factorlab.data.Batch;
import org.factorlab.model.Families;
import org.factorlab.model.FamilyContractTestAccess;
import org.factorlab.provenance.Provenance;
import org.factorlab.train.Checkpoint;
import org.factorlab.train.TrainingSession;

/** Tiny iVAE+DDPM configs (32x32, 6 latents, an 8-channel two-level U-Net) over two factors of 3 and 4 classes. */
final class TinyIvaeDdpm {
    static final String FACTORS = "ivae: {factorNames: [a, b], factorSizes: [3, 4], priorHidden: 8}\n";
    static final String YAML = """
            model:
              imageSize: 32
              latents: 6
              tokens: {dim: 4, hidden1: 4, hidden2: 4}
              unet: {modelChannels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [], numHeads: 2, groups: 4}
            optimizer: {lr: 1.0e-3}
            train: {batchSize: 4}
            """ + FACTORS;
    /** Every option on: cross-attention, q(z|x,u), KL balancing, one hard Gumbel group of 3 categories. */
    static final String OPTIONS = YAML + """
            klBalancing: {enabled: true, alpha: 0.8}
            gumbel: {groups: 1, categories: 3, hard: true, temperature: {start: 1.0, min: 0.5, decay: 0.1}}
            """;
    static final List<String> OPTION_OVERRIDES = List.of("model.conditioning=cross_attention", "model.encoderInput=x_u");

    /** The ivae parent's config: the same latents, u and prior as {@link #YAML}. */
    static final String PARENT_YAML = """
            model: {imageSize: 32, imageChannels: 3, latents: 6}
            objective: {reconstruction: l2, beta: 1.0}
            optimizer: {kind: adam, lr: 1.0e-3}
            train: {batchSize: 4}
            ivae: {u: label_variance, withMean: false, factorNames: [a, b], factorSizes: [3, 4], priorHidden: 8}
            """;

    private TinyIvaeDdpm() {
    }

    static String effective(String yaml, List<String> overrides) {
        return Families.get(IvaeDdpmFamily.NAME).effectiveConfig(yaml, overrides, "tiny ivae-ddpm");
    }

    /** Writes an ivae parent trained for two steps to {@code dir/ivae.zip}. */
    static Path writeParent(Path dir) throws IOException {
        String eff = Families.get("ivae").effectiveConfig(PARENT_YAML, List.of(), "parent");
        Checkpoint c;
        try (TrainingSession s = Families.open("ivae", eff, 3)) {
            s.step(batch(0));
            s.step(batch(1));
            c = new Checkpoint("ivae", s.state(), Map.of(), Provenance.of("ivae", eff, 3, "none"));
        }
        Path p = dir.resolve("ivae.zip");
        Files.write(p, c.toBytes());
        return p;
    }

    static String frozen(Path parent) {
        return YAML + "pretrained: {checkpoint: '" + parent + "'}\n";
    }

    static Batch batch(int i) {
        return FamilyContractTestAccess.images(i, 4, 3, 32, 3, 4);
    }
}
