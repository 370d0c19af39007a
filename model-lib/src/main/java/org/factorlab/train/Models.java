package org.factorlab.train;

import java.util.ServiceLoader;

/** Looks up {@link ModelProvider}s by name. */
public final class Models {
    private Models() {
    }

    public static ModelProvider provider(String modelName) {
        var names = new java.util.ArrayList<String>();
        for (ModelProvider p : ServiceLoader.load(ModelProvider.class)) {
            if (p.modelName().equals(modelName)) return p;
            names.add(p.modelName());
        }
        throw new IllegalArgumentException("unknown model '" + modelName + "'; available: " + names);
    }

    public static TrainingSession open(String modelName, String configText, long seed) {
        return provider(modelName).open(configText, seed);
    }
}
