package org.factorlab.model;

import java.util.ArrayList;
import java.util.ServiceLoader;
import org.factorlab.train.Checkpoint;

/** Looks up {@link EncoderProvider}s by model name. */
public final class Encoders {
    private Encoders() {
    }

    public static EncoderProvider provider(String modelName) {
        var names = new ArrayList<String>();
        for (EncoderProvider p : ServiceLoader.load(EncoderProvider.class)) {
            if (p.modelName().equals(modelName)) return p;
            names.add(p.modelName());
        }
        throw new IllegalArgumentException("no encoder for model '" + modelName + "'; available: " + names);
    }

    /** The encoder of {@code checkpoint}'s model; {@code nameForErrors} (e.g. the file) prefixes any error. */
    public static RepresentationEncoder open(Checkpoint checkpoint, String nameForErrors) {
        try {
            return provider(checkpoint.model()).open(checkpoint);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(nameForErrors + ": " + e.getMessage(), e);
        }
    }
}
