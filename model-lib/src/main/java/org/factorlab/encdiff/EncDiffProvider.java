package org.factorlab.encdiff;

import org.factorlab.train.ModelProvider;
import org.factorlab.train.TrainingSession;

/** The "encdiff" model for {@link org.factorlab.train.Models}. */
public final class EncDiffProvider implements ModelProvider {
    public static final String NAME = "encdiff";

    @Override
    public String modelName() {
        return NAME;
    }

    @Override
    public TrainingSession open(String configText, long seed) {
        return new EncDiffSession(EncDiffConfig.parse(configText, "encdiff config"), seed);
    }

    @Override
    public java.util.OptionalInt configuredBatchSize(String configText) {
        return java.util.OptionalInt.of(EncDiffConfig.parse(configText, "encdiff config").train().batchSize());
    }
}
