package org.factorlab.model;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import org.factorlab.train.Checkpoint;
import org.factorlab.train.TrainingSession;

/** The registry of {@link ModelFamily}s ({@link ServiceLoader}); the one place code looks a family up by name. */
public final class Families {
    private Families() {
    }

    /** Every registered family by name, in service-file order. */
    public static Map<String, ModelFamily> all() {
        Map<String, ModelFamily> out = new LinkedHashMap<>();
        for (ModelFamily f : ServiceLoader.load(ModelFamily.class)) out.putIfAbsent(f.name(), f);
        return out;
    }

    public static ModelFamily get(String name) {
        Map<String, ModelFamily> all = all();
        ModelFamily f = all.get(name);
        if (f == null) throw new IllegalArgumentException("unknown model '" + name + "'; available: " + String.join(", ", new ArrayList<>(all.keySet())));
        return f;
    }

    public static TrainingSession open(String name, String configText, long seed) {
        return get(name).open(configText, seed);
    }

    /** A training session with the parents its config names, read through {@code reader}. */
    public static TrainingSession open(String name, String configText, long seed, Parents.Reader reader) {
        ModelFamily f = get(name);
        return f.open(configText, seed, Parents.load(f.parents(configText), reader));
    }

    /** The trained model of a checkpoint without parents, whatever its family; {@code nameForErrors} prefixes errors. */
    public static TrainedModel load(Checkpoint checkpoint, String nameForErrors) {
        return load(checkpoint, nameForErrors, uri -> {
            throw new java.io.IOException("no reader for parent checkpoints was given");
        });
    }

    /** The trained model of a checkpoint, its parents read again through {@code reader} and checked against its lineage. */
    public static TrainedModel load(Checkpoint checkpoint, String nameForErrors, Parents.Reader reader) {
        return namingErrors(nameForErrors, () -> get(checkpoint.model())
                .load(checkpoint, Parents.ofLineage(checkpoint.provenance().parents(), reader), nameForErrors));
    }

    /** Only the encoder of a checkpoint (evaluation). */
    public static RepresentationEncoder encoder(Checkpoint checkpoint, String nameForErrors) {
        return namingErrors(nameForErrors, () -> get(checkpoint.model()).encoder(checkpoint, nameForErrors));
    }

    /** Runs {@code body}, prefixing an IllegalArgumentException's message with the checkpoint's name unless it has it. */
    private static <T> T namingErrors(String nameForErrors, java.util.function.Supplier<T> body) {
        try {
            return body.get();
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(nameForErrors)) throw e;
            throw new IllegalArgumentException(nameForErrors + ": " + e.getMessage(), e);
        }
    }

    /** The names, for help texts. */
    public static List<String> names() {
        return List.copyOf(all().keySet());
    }
}
