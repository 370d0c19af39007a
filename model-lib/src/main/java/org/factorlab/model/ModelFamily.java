package org.factorlab.model;

import java.util.List;
import org.factorlab.config.ConfigTree;
import org.factorlab.data.DatasetSpec;
import org.factorlab.train.Checkpoint;
import org.factorlab.train.TrainSettings;
import org.factorlab.train.TrainingSession;

/**
 * A model family ("encdiff", "betavae", ...): one package plus one line in
 * {@code META-INF/services/org.factorlab.model.ModelFamily}. It supplies its config (defaults as YAML, a typed
 * record), its training session and its trained model; the trainer, the Spark job, evaluation and the picture
 * commands ask {@link Families} for everything else, so none of them names a family.
 *
 * <p>Contract (checked for every family by the shared contract test): opening the same effective config with the
 * same seed gives bit-identical initial parameters and losses; {@code state()} round-trips through a checkpoint;
 * the step sequence is a function of (config, seed, data) only, so a resumed run continues exactly.
 */
public interface ModelFamily {
    /** The registry name, used by {@code --model} and recorded in checkpoints. */
    String name();

    /** One line for listings: what the family is. */
    String summary();

    /** Every key a config may set, with its default, as YAML. */
    String defaultsYaml();

    /**
     * Binds and validates a config (an effective one, or a user's file, which is merged over the defaults); errors
     * name {@code source} and the key. Returns the family's typed config record.
     */
    Record parse(String configText, String source);

    /** The shared {@code train} section of a config. */
    default TrainSettings trainSettings(String configText) {
        String source = name() + " config";
        var tree = ConfigTree.merge(defaultsYaml(), configText, List.of(), source);
        return ConfigTree.bind(tree.path("train"), TrainSettings.class, source + " [train]");
    }

    /**
     * The effective config: the defaults, the user's file, then {@code key.path=value} overrides, validated by
     * {@link #parse} and written back as YAML. This text is what provenance stores and what sessions are opened with.
     */
    default String effectiveConfig(String userText, List<String> overrides, String source) {
        String effective = ConfigTree.toYaml(ConfigTree.merge(defaultsYaml(), userText, overrides, source));
        parse(effective, source + (overrides.isEmpty() ? "" : " with --set " + String.join(" ", overrides)));
        return effective;
    }

    /**
     * Completes an effective config from the training data (e.g. iVAE's u needs the factor names and sizes); the
     * result is the effective config the run records. Errors name {@code source} and the key. Default: unchanged.
     */
    default String withData(String configText, DatasetSpec spec, String source) {
        return configText;
    }

    /** A training session with initial parameters drawn from (config, seed). */
    TrainingSession open(String configText, long seed);

    /** The trained model of one of this family's checkpoints (EMA parameters where present). */
    TrainedModel load(Checkpoint checkpoint, String nameForErrors);

    /**
     * The parent checkpoints an effective config names (e.g. {@code pretrained.checkpoint}), each with the family it
     * must be of. Their parameters are frozen in the child. Default: none.
     */
    default List<ParentRef> parents(String configText) {
        return List.of();
    }

    /** A training session whose frozen parts come from {@code parents} (those {@link #parents} names). */
    default TrainingSession open(String configText, long seed, Parents parents) {
        if (!parents.isEmpty()) throw new IllegalArgumentException("model " + name() + " takes no parent checkpoints");
        return open(configText, seed);
    }

    /** The trained model of a checkpoint with its parents loaded again (see {@link Parents#ofLineage}). */
    default TrainedModel load(Checkpoint checkpoint, Parents parents, String nameForErrors) {
        if (!parents.isEmpty()) throw new IllegalArgumentException(nameForErrors + ": model " + name() + " takes no parent checkpoints");
        return load(checkpoint, nameForErrors);
    }

    /**
     * Checks the training data against an effective config and its loaded parents before the first step (a latent
     * model refuses shards without a latent, or with latents of another first stage); {@code dataName} is the data's
     * URI, which errors name with the manifest key. Default: any data.
     */
    default void checkData(String configText, DatasetSpec spec, Parents parents, String dataName) {
    }

    /** Only the encoder of a checkpoint, for evaluation; families with costly decoders build just the encoder. */
    default RepresentationEncoder encoder(Checkpoint checkpoint, String nameForErrors) {
        return load(checkpoint, nameForErrors).encoder();
    }
}
