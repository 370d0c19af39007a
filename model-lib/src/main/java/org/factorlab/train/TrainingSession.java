package org.factorlab.train;

import org.factorlab.data.Batch;

/**
 * One model being trained on one machine: the single training step that both single-machine training and the
 * Spark parameter-averaging workers run. Implementations are created from a config so that a worker can rebuild
 * the same session from the config text and a {@link TrainingState}.
 */
public interface TrainingSession extends AutoCloseable {
    /** One optimizer step on {@code batch}; returns the loss before the update. */
    double step(Batch batch);

    /** A copy of the current parameters, optimizer state and step count. */
    TrainingState state();

    /** Replaces parameters, optimizer state and step count. */
    void load(TrainingState state);

    @Override
    default void close() {
    }
}
