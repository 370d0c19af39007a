package org.factorlab.encdiff;

import java.util.List;
import org.factorlab.data.DatasetSpec;
import org.factorlab.latent.FirstStage;
import org.factorlab.model.ModelFamily;
import org.factorlab.model.ParentRef;
import org.factorlab.model.Parents;
import org.nd4j.linalg.api.buffer.DataType;
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

    /** A latent model's first stage ({@code firstStage.checkpoint}); none in pixel space. */
    @Override
    public List<ParentRef> parents(String configText) {
        return FirstStage.parents(parse(configText, NAME + " config").firstStage());
    }

    @Override
    public TrainingSession open(String configText, long seed, Parents parents) {
        EncDiffConfig c = parse(configText, NAME + " config");
        FirstStage fs = FirstStage.load(c.firstStage(), c.model().imageSize(), c.model().imageChannels(), parents, NAME + " config");
        return new EncDiffSession(c, seed, DataType.FLOAT, fs);
    }

    @Override
    public TrainedModel load(Checkpoint checkpoint, Parents parents, String nameForErrors) {
        return EncDiffModel.fromCheckpoint(checkpoint, parents, nameForErrors);
    }

    @Override
    public void checkData(String configText, DatasetSpec spec, Parents parents, String dataName) {
        FirstStage.checkData(parse(configText, NAME + " config").firstStage(), spec, parents, dataName);
    }

    @Override
    public RepresentationEncoder encoder(Checkpoint checkpoint, String nameForErrors) {
        return EncDiffEncoder.fromCheckpoint(checkpoint, nameForErrors);
    }
}
