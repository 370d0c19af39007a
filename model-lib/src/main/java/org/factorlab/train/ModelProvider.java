package org.factorlab.train;

/**
 * A trainable model kind ("encdiff", "disdiff", "ivae", ...), discovered with {@link java.util.ServiceLoader}
 * from {@code META-INF/services/org.factorlab.train.ModelProvider}. Opening the same config text with the same
 * seed gives bit-identical initial parameters, so a Spark worker can rebuild the driver's session.
 */
public interface ModelProvider {
    String modelName();

    TrainingSession open(String configText, long seed);

    /** The minibatch size the config asks for, used when the command line gives none; empty if it names none. */
    default java.util.OptionalInt configuredBatchSize(String configText) {
        return java.util.OptionalInt.empty();
    }
}
