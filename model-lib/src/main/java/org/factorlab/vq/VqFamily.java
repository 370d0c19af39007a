package org.factorlab.vq;

import org.factorlab.model.ModelFamily;
import org.factorlab.model.TrainedModel;
import org.factorlab.train.Checkpoint;
import org.factorlab.train.TrainingSession;

/** The "vqae" family: LDM's VQ-regularised first stage (f = 4 autoencoder, 2048-code codebook, PatchGAN). */
public final class VqFamily implements ModelFamily {
    public static final String NAME = "vqae";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String summary() {
        return "VQ first stage (LDM): conv autoencoder with a codebook, L1 + codebook loss + hinge PatchGAN (no LPIPS)";
    }

    @Override
    public String defaultsYaml() {
        return VqConfig.defaultsText();
    }

    @Override
    public VqConfig parse(String configText, String source) {
        return VqConfig.parse(configText, source);
    }

    @Override
    public TrainingSession open(String configText, long seed) {
        return new VqSession(parse(configText, NAME + " config"), seed);
    }

    @Override
    public TrainedModel load(Checkpoint checkpoint, String nameForErrors) {
        return VqAutoencoder.fromCheckpoint(checkpoint, nameForErrors);
    }
}
