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

    /**
     * The model parameters as {@link #state()} names them, for reading between steps (the EMA): sessions may return
     * their live arrays instead of copies, so callers must not modify them or keep them across steps.
     */
    default java.util.Map<String, org.nd4j.linalg.api.ndarray.INDArray> parameters() {
        return state().parameters();
    }

    /**
     * The global L2 norm of the gradient of the last {@link #step}, or NaN where a session does not track it.
     * Monitoring only (the Spark job reports it as a metric); it never changes training.
     */
    default double lastGradientNorm() {
        return Double.NaN;
    }

    @Override
    default void close() {
    }
}
