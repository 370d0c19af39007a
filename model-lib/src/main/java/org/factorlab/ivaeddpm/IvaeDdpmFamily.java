package org.factorlab.ivaeddpm;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.factorlab.config.ConfigTree;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.Factor;
import org.factorlab.model.ModelFamily;
import org.factorlab.model.ParentRef;
import org.factorlab.model.Parents;
import org.factorlab.model.RepresentationEncoder;
import org.factorlab.model.TrainedModel;
import org.factorlab.train.Checkpoint;
import org.factorlab.train.TrainingSession;
import org.factorlab.vae.VaeConfig;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The "ivae-ddpm" family: an iVAE whose latent z conditions a U-Net DDPM, trained with
 * {@code L = L_DDPM + lambdaRec L_rec + lambdaKl L_KL}; optionally on a frozen {@code ivae} parent
 * ({@code pretrained.checkpoint}), with KL balancing, and with Gumbel-softmax latent groups.
 */
public final class IvaeDdpmFamily implements ModelFamily {
    public static final String NAME = "ivae-ddpm";
    private static final String IVAE = "ivae";

    @Override
    public String name() {
        return NAME;
    }

    @Override
    public String summary() {
        return "iVAE+DDPM: an iVAE (prior p(z|u)) whose z conditions a U-Net DDPM (AdaGN or cross-attention); KL balancing, Gumbel latents";
    }

    @Override
    public String defaultsYaml() {
        return IvaeDdpmConfig.defaultsText();
    }

    @Override
    public IvaeDdpmConfig parse(String configText, String source) {
        return IvaeDdpmConfig.parse(configText, source);
    }

    /** u needs the dataset's factors: their names and sizes go into the effective config. */
    @Override
    public String withData(String configText, DatasetSpec spec, String source) {
        if (!spec.hasFactors())
            throw new IllegalArgumentException(source + " [ivae.u]: dataset " + spec.name() + " has no factor labels, and iVAE's u is built "
                    + "from them; choose a labelled dataset");
        String names = spec.factors().stream().map(Factor::name).collect(Collectors.joining(", ", "[", "]"));
        String sizes = spec.factors().stream().map(f -> String.valueOf(f.size())).collect(Collectors.joining(", ", "[", "]"));
        String out = ConfigTree.toYaml(ConfigTree.merge(defaultsYaml(), configText,
                List.of("ivae.factorNames=" + names, "ivae.factorSizes=" + sizes), source));
        IvaeDdpmSession.auxiliary(parse(out, source));
        return out;
    }

    @Override
    public List<ParentRef> parents(String configText) {
        IvaeDdpmConfig c = parse(configText, NAME + " config");
        return c.pretrained().frozen() ? List.of(new ParentRef(IvaeDdpmConfig.PRETRAINED_KEY, c.pretrained().checkpoint(), IVAE)) : List.of();
    }

    @Override
    public TrainingSession open(String configText, long seed) {
        return open(configText, seed, Parents.none());
    }

    @Override
    public TrainingSession open(String configText, long seed, Parents parents) {
        IvaeDdpmConfig c = parse(configText, NAME + " config");
        return new IvaeDdpmSession(c, seed, DataType.FLOAT, frozen(c, parents, NAME + " config"));
    }

    @Override
    public TrainedModel load(Checkpoint checkpoint, String nameForErrors) {
        return load(checkpoint, Parents.none(), nameForErrors);
    }

    @Override
    public TrainedModel load(Checkpoint checkpoint, Parents parents, String nameForErrors) {
        IvaeDdpmConfig c = configOf(checkpoint, nameForErrors);
        Map<String, INDArray> p = new LinkedHashMap<>(checkpoint.inferenceParameters());
        p.putAll(frozen(c, parents, nameForErrors + " [config.yaml]"));
        return new IvaeDdpmModel(c, p, nameForErrors);
    }

    /**
     * The encoder for evaluation. With a frozen parent the encoder is the parent's: it is read again from the path
     * recorded in the provenance (a local file), checked against its recorded SHA-256.
     */
    @Override
    public RepresentationEncoder encoder(Checkpoint checkpoint, String nameForErrors) {
        IvaeDdpmConfig c = configOf(checkpoint, nameForErrors);
        if (!c.pretrained().frozen()) return load(checkpoint, Parents.none(), nameForErrors).encoder();
        Parents parents = Parents.ofLineage(checkpoint.provenance().parents(), uri -> {
            Path p = uri.startsWith("file:") ? Path.of(java.net.URI.create(uri)) : Path.of(uri);
            if (uri.contains("://") && !uri.startsWith("file:"))
                throw new java.io.IOException("the encoder is the frozen ivae parent's; evaluate that checkpoint (" + uri + ") instead");
            return Files.readAllBytes(p);
        });
        return load(checkpoint, parents, nameForErrors).encoder();
    }

    private static IvaeDdpmConfig configOf(Checkpoint checkpoint, String nameForErrors) {
        if (!NAME.equals(checkpoint.model()))
            throw new IllegalArgumentException(nameForErrors + ": a '" + checkpoint.model() + "' checkpoint, not " + NAME);
        return IvaeDdpmConfig.parse(checkpoint.provenance().configText(), nameForErrors + " [config.yaml]");
    }

    /**
     * The frozen iVAE's parameters (encoder, prior, decoder) from the {@code ivae} parent, after checking that its
     * networks are this config's; empty without a parent. Errors name the key and the parent's file.
     */
    static Map<String, INDArray> frozen(IvaeDdpmConfig c, Parents parents, String source) {
        if (!c.pretrained().frozen()) {
            if (!parents.isEmpty()) throw new IllegalArgumentException(source + ": parent checkpoints given, but " + IvaeDdpmConfig.PRETRAINED_KEY + " is empty");
            return Map.of();
        }
        Parents.Parent p = parents.get(IvaeDdpmConfig.PRETRAINED_KEY);
        String uri = p.ref().uri();
        VaeConfig pc;
        try {
            pc = (VaeConfig) org.factorlab.model.Families.get(IVAE).parse(p.checkpoint().provenance().configText(), uri + " [config.yaml]");
        } catch (ClassCastException e) {
            throw new IllegalArgumentException(IvaeDdpmConfig.PRETRAINED_KEY + ": " + uri + " is not an ivae checkpoint", e);
        }
        same("model.imageSize", c.model().imageSize(), pc.model().imageSize(), uri, source);
        same("model.imageChannels", c.model().imageChannels(), pc.model().imageChannels(), uri, source);
        same("model.latents", c.model().latents(), pc.model().latents(), uri, source);
        var mine = c.ivae();
        var theirs = pc.ivae();
        same("ivae.u", mine.u(), theirs.u(), uri, source);
        same("ivae.withMean", mine.withMean(), theirs.withMean(), uri, source);
        same("ivae.factors", mine.factors(), theirs.factors(), uri, source);
        same("ivae.priorHidden", mine.priorHidden(), theirs.priorHidden(), uri, source);
        same("ivae.learnPriorMean", mine.learnPriorMean(), theirs.learnPriorMean(), uri, source);
        if (!mine.factorNames().isEmpty() && !theirs.factorNames().isEmpty()) {
            same("ivae.factorNames", mine.factorNames(), theirs.factorNames(), uri, source);
            same("ivae.factorSizes", mine.factorSizes(), theirs.factorSizes(), uri, source);
        }
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (var e : p.checkpoint().inferenceParameters().entrySet())
            for (String prefix : IvaeDdpmGraph.ivaeScopes()) if (e.getKey().startsWith(prefix)) out.put(e.getKey(), e.getValue());
        return out;
    }

    private static void same(String key, Object mine, Object theirs, String uri, String source) {
        if (!Objects.equals(mine, theirs))
            throw new IllegalArgumentException(IvaeDdpmConfig.PRETRAINED_KEY + ": " + key + " is " + theirs + " in the ivae parent " + uri
                    + " but " + mine + " in " + source + "; the frozen iVAE must be this model's");
    }
}
