package org.factorlab.disdiff;

import java.lang.reflect.RecordComponent;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.factorlab.ddpm.DdpmConfig;
import org.factorlab.ddpm.DdpmFamily;
import org.factorlab.ddpm.DdpmGraph;
import org.factorlab.data.DatasetSpec;
import org.factorlab.latent.FirstStage;
import org.factorlab.latent.FirstStageConfig;
import org.factorlab.model.ModelFamily;
import org.factorlab.model.ParentRef;
import org.factorlab.model.Parents;
import org.factorlab.model.RepresentationEncoder;
import org.factorlab.model.TrainedModel;
import org.factorlab.train.Checkpoint;
import org.factorlab.train.TrainingSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The "disdiff" family: a frozen pre-trained {@code ddpm} (the parent, {@code pretrained.checkpoint}) whose eps is
 * shifted by per-unit gradient fields G_c of an encoder's code, trained with the PDAE reconstruction loss and the
 * disentangling loss.
 */
public final class DisDiffFamily implements ModelFamily {
    public static final String NAME = "disdiff";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String summary() {
        return "DisDiff: frozen pre-trained ddpm + encoder -> N units -> per-unit gradient fields G_c, PDAE and disentangling losses";
    }

    @Override
    public String defaultsYaml() {
        return DisDiffConfig.defaultsText();
    }

    @Override
    public DisDiffConfig parse(String configText, String source) {
        return DisDiffConfig.parse(configText, source);
    }

    @Override
    public List<ParentRef> parents(String configText) {
        DisDiffConfig c = parse(configText, NAME + " config");
        if (c.pretrained().checkpoint().isBlank())
            throw new IllegalArgumentException(DisDiffConfig.PRETRAINED_KEY + ": required: the ddpm checkpoint DisDiff builds on "
                    + "(in the config, or --set " + DisDiffConfig.PRETRAINED_KEY + "=<checkpoint>)");
        List<ParentRef> out = new java.util.ArrayList<>(List.of(new ParentRef(DisDiffConfig.PRETRAINED_KEY, c.pretrained().checkpoint(), DdpmFamily.NAME)));
        out.addAll(FirstStage.parents(c.firstStage()));
        return out;
    }

    @Override
    public void checkData(String configText, DatasetSpec spec, Parents parents, String dataName) {
        FirstStage.checkData(parse(configText, NAME + " config").firstStage(), spec, parents, dataName);
    }

    private static FirstStage firstStage(DisDiffConfig c, Parents parents, String source) {
        return FirstStage.load(c.firstStage(), c.model().imageSize(), c.model().imageChannels(), parents, source);
    }

    @Override
    public TrainingSession open(String configText, long seed) {
        throw new IllegalArgumentException(DisDiffConfig.PRETRAINED_KEY + ": disdiff is opened with its parent ddpm checkpoint");
    }

    @Override
    public TrainingSession open(String configText, long seed, Parents parents) {
        DisDiffConfig c = parse(configText, NAME + " config");
        return new DisDiffSession(c, seed, parentUnet(c, parents, NAME + " config"), DataType.FLOAT, firstStage(c, parents, NAME + " config"));
    }

    @Override
    public TrainedModel load(Checkpoint checkpoint, String nameForErrors) {
        throw new IllegalArgumentException(nameForErrors + ": a disdiff model needs its parent ddpm checkpoint (" + DisDiffConfig.PRETRAINED_KEY + ")");
    }

    @Override
    public TrainedModel load(Checkpoint checkpoint, Parents parents, String nameForErrors) {
        DisDiffConfig c = configOf(checkpoint, nameForErrors);
        try {
            return new DisDiffModel(c, trainedParameters(checkpoint), parentUnet(c, parents, nameForErrors + " [config.yaml]"),
                    firstStage(c, parents, nameForErrors + " [config.yaml]"));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(nameForErrors + ": " + e.getMessage(), e);
        }
    }

    /** The encoder alone needs no parent. */
    @Override
    public RepresentationEncoder encoder(Checkpoint checkpoint, String nameForErrors) {
        return new DisDiffEncoder(configOf(checkpoint, nameForErrors), trainedParameters(checkpoint));
    }

    private static DisDiffConfig configOf(Checkpoint checkpoint, String nameForErrors) {
        if (!NAME.equals(checkpoint.model()))
            throw new IllegalArgumentException(nameForErrors + ": a '" + checkpoint.model() + "' checkpoint, not " + NAME);
        return DisDiffConfig.parse(checkpoint.provenance().configText(), nameForErrors + " [config.yaml]");
    }

    /**
     * The EMA of G, the part embedding and the condition layer; the encoder and its running statistics as trained
     * (the official code keeps no EMA of the encoder).
     */
    static Map<String, INDArray> trainedParameters(Checkpoint c) {
        Map<String, INDArray> out = new LinkedHashMap<>(c.inferenceParameters());
        String enc = DisDiffGraph.ENCODER_SCOPE + "/";
        for (var e : c.state().parameters().entrySet()) if (e.getKey().startsWith(enc)) out.put(e.getKey(), e.getValue());
        return out;
    }

    /**
     * The parent's U-Net parameters (EMA where present), after checking that its image geometry, U-Net and schedule are
     * this config's; errors name the key and the parent's file.
     */
    static Map<String, INDArray> parentUnet(DisDiffConfig c, Parents parents, String source) {
        Parents.Parent p = parents.get(DisDiffConfig.PRETRAINED_KEY);
        String uri = p.ref().uri();
        DdpmConfig pc = DdpmConfig.parse(p.checkpoint().provenance().configText(), uri + " [config.yaml]");
        // the parent's U-Net must have been trained on this model's diffusion space: the same first stage, or pixels
        String theirFs = p.checkpoint().provenance().parents().stream().filter(x -> x.key().equals(FirstStageConfig.KEY))
                .map(org.factorlab.provenance.Provenance.Parent::sha256).findFirst().orElse(null);
        String mineFs = c.firstStage().latent() ? parents.get(FirstStageConfig.KEY).sha256() : null;
        if (!Objects.equals(theirFs, mineFs))
            throw new IllegalArgumentException(DisDiffConfig.PRETRAINED_KEY + ": the parent " + uri + " runs on "
                    + (theirFs == null ? "pixels" : "the latent of the first stage " + pc.firstStage().checkpoint() + " (SHA-256 " + theirFs + ")")
                    + " but " + source + " on " + (mineFs == null ? "pixels" : "the latent of " + FirstStageConfig.KEY + " "
                    + c.firstStage().checkpoint() + " (SHA-256 " + mineFs + ")") + "; set " + FirstStageConfig.KEY + " to the parent's first stage");
        DdpmConfig.Model mine = c.model().parentModel(), theirs = pc.model();
        same("model.imageSize", mine.imageSize(), theirs.imageSize(), uri, source);
        same("model.imageChannels", mine.imageChannels(), theirs.imageChannels(), uri, source);
        for (RecordComponent rc : DdpmConfig.Unet.class.getRecordComponents())
            same("model.unet." + rc.getName(), value(rc, mine.unet()), value(rc, theirs.unet()), uri, source);
        same("diffusion.schedule", c.diffusion().schedule(), pc.diffusion().schedule(), uri, source);
        same("diffusion.parameterization", c.diffusion().parameterization(), pc.diffusion().parameterization(), uri, source);
        Map<String, INDArray> out = new LinkedHashMap<>();
        String prefix = DdpmGraph.UNET_SCOPE + "/";
        for (var e : p.checkpoint().inferenceParameters().entrySet()) if (e.getKey().startsWith(prefix)) out.put(e.getKey(), e.getValue());
        return out;
    }

    private static Object value(RecordComponent rc, Record r) {
        try {
            return rc.getAccessor().invoke(r);
        } catch (ReflectiveOperationException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void same(String key, Object mine, Object theirs, String uri, String source) {
        if (!Objects.equals(mine, theirs))
            throw new IllegalArgumentException(DisDiffConfig.PRETRAINED_KEY + ": " + key + " is " + theirs + " in the parent " + uri
                    + " but " + mine + " in " + source + "; DisDiff's U-Net must be its parent's");
    }
}
