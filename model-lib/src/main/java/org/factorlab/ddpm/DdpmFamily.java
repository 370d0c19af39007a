package org.factorlab.ddpm;

import java.util.List;
import org.factorlab.data.DatasetSpec;
import org.factorlab.latent.FirstStage;
import org.factorlab.model.ModelFamily;
import org.factorlab.model.ParentRef;
import org.factorlab.model.Parents;
import org.nd4j.linalg.api.buffer.DataType;
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

    /** A latent model's first stage ({@code firstStage.checkpoint}); none in pixel space. */
    @Override
    public List<ParentRef> parents(String configText) {
        return FirstStage.parents(parse(configText, NAME + " config").firstStage());
    }

    @Override
    public TrainingSession open(String configText, long seed, Parents parents) {
        DdpmConfig c = parse(configText, NAME + " config");
        FirstStage fs = FirstStage.load(c.firstStage(), c.model().imageSize(), c.model().imageChannels(), parents, NAME + " config");
        return new DdpmSession(c, seed, DataType.FLOAT, fs);
    }

    @Override
    public TrainedModel load(Checkpoint checkpoint, Parents parents, String nameForErrors) {
        return DdpmModel.fromCheckpoint(checkpoint, parents, nameForErrors);
    }

    @Override
    public void checkData(String configText, DatasetSpec spec, Parents parents, String dataName) {
        FirstStage.checkData(parse(configText, NAME + " config").firstStage(), spec, parents, dataName);
    }
}
