package org.factorlab.vae;

import java.util.List;
import java.util.stream.Collectors;
import org.factorlab.config.ConfigTree;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.Factor;
import org.factorlab.model.ModelFamily;
import org.factorlab.model.TrainedModel;
import org.factorlab.train.Checkpoint;
import org.factorlab.train.TrainingSession;

/** What the four VAE families share; each registers as its own small subclass. */
public abstract sealed class VaeFamily implements ModelFamily
        permits VaeFamily.BetaVae, VaeFamily.BetaTcVae, VaeFamily.FactorVae, VaeFamily.Ivae {
    private final VaeKind kind;

    VaeFamily(VaeKind kind) {
        this.kind = kind;
    }

    @Override
    public final String name() {
        return kind.family();
    }

    @Override
    public final String summary() {
        return kind.summary();
    }

    @Override
    public final String defaultsYaml() {
        return kind.defaultsText();
    }

    @Override
    public final VaeConfig parse(String configText, String source) {
        VaeConfig c = VaeConfig.parse(defaultsYaml(), configText, source);
        if (kind == VaeKind.FACTOR_VAE && c.discriminator() == null)
            throw new IllegalArgumentException(source + " [discriminator]: FactorVAE needs its discriminator section");
        return c;
    }

    /** iVAE's u needs the dataset's factors: their names and sizes go into the effective config. */
    @Override
    public final String withData(String configText, DatasetSpec spec, String source) {
        if (kind != VaeKind.IVAE) return configText;
        if (!spec.hasFactors())
            throw new IllegalArgumentException(source + " [ivae.u]: dataset " + spec.name() + " has no factor labels, and iVAE's u is built "
                    + "from them; choose a labelled dataset");
        String names = spec.factors().stream().map(Factor::name).collect(Collectors.joining(", ", "[", "]"));
        String sizes = spec.factors().stream().map(f -> String.valueOf(f.size())).collect(Collectors.joining(", ", "[", "]"));
        String out = ConfigTree.toYaml(ConfigTree.merge(defaultsYaml(), configText,
                List.of("ivae.factorNames=" + names, "ivae.factorSizes=" + sizes), source));
        VaeSession.auxiliary(kind, parse(out, source));
        return out;
    }

    @Override
    public final TrainingSession open(String configText, long seed) {
        return new VaeSession(kind, parse(configText, name() + " config"), seed);
    }

    @Override
    public final TrainedModel load(Checkpoint checkpoint, String nameForErrors) {
        if (!name().equals(checkpoint.model()))
            throw new IllegalArgumentException(nameForErrors + ": a '" + checkpoint.model() + "' checkpoint, not " + name());
        VaeConfig c = parse(checkpoint.provenance().configText(), nameForErrors + " [config.yaml]");
        return new VaeModel(kind, c, checkpoint.inferenceParameters(), nameForErrors);
    }

    public static final class BetaVae extends VaeFamily {
        public BetaVae() {
            super(VaeKind.BETA_VAE);
        }
    }

    public static final class BetaTcVae extends VaeFamily {
        public BetaTcVae() {
            super(VaeKind.BETA_TCVAE);
        }
    }

    public static final class FactorVae extends VaeFamily {
        public FactorVae() {
            super(VaeKind.FACTOR_VAE);
        }
    }

    public static final class Ivae extends VaeFamily {
        public Ivae() {
            super(VaeKind.IVAE);
        }
    }
}
