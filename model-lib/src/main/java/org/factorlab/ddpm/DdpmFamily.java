package org.factorlab.ddpm;

import org.factorlab.model.ModelFamily;
import org.factorlab.model.TrainedModel;
import org.factorlab.train.Checkpoint;
import org.factorlab.train.TrainingSession;

/** The "ddpm" family: an unconditional diffusion U-Net (DisDiff's stage 1, and a generator in its own right). */
public final class DdpmFamily implements ModelFamily {
    public static final String NAME = "ddpm";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String summary() {
        return "DDPM: unconditional diffusion U-Net (DisDiff's pre-trained stage 1; sample with factorlab sample)";
    }

    @Override
    public String defaultsYaml() {
        return DdpmConfig.defaultsText();
    }

    @Override
    public DdpmConfig parse(String configText, String source) {
        return DdpmConfig.parse(configText, source);
    }

    @Override
    public TrainingSession open(String configText, long seed) {
        return new DdpmSession(parse(configText, NAME + " config"), seed);
    }

    @Override
    public TrainedModel load(Checkpoint checkpoint, String nameForErrors) {
        return DdpmModel.fromCheckpoint(checkpoint, nameForErrors);
    }
}
