package org.factorlab.encdiff;

import org.factorlab.model.ModelFamily;
import org.factorlab.model.RepresentationEncoder;
import org.factorlab.model.TrainedModel;
import org.factorlab.train.Checkpoint;
import org.factorlab.train.TrainingSession;

/** The "encdiff" family: image encoder -> scalar factors -> concept tokens -> cross-attention in a diffusion U-Net. */
public final class EncDiffFamily implements ModelFamily {
    public static final String NAME = "encdiff";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String summary() {
        return "EncDiff: encoder -> scalar factors -> concept tokens -> cross-attention in a diffusion U-Net, plain diffusion loss";
    }

    @Override
    public String defaultsYaml() {
        return EncDiffConfig.defaultsText();
    }

    @Override
    public EncDiffConfig parse(String configText, String source) {
        return EncDiffConfig.parse(configText, source);
    }

    @Override
    public TrainingSession open(String configText, long seed) {
        return new EncDiffSession(parse(configText, NAME + " config"), seed);
    }

    @Override
    public TrainedModel load(Checkpoint checkpoint, String nameForErrors) {
        return EncDiffModel.fromCheckpoint(checkpoint, nameForErrors);
    }

    @Override
    public RepresentationEncoder encoder(Checkpoint checkpoint, String nameForErrors) {
        return EncDiffEncoder.fromCheckpoint(checkpoint, nameForErrors);
    }
}
