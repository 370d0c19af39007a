package org.factorlab.train;

import java.util.List;
import java.util.Map;
import org.factorlab.data.Batch;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * One model being trained on one machine: the single training step that both single-machine training and the
 * Spark parameter-averaging workers run. Sessions are opened by their {@link org.factorlab.model.ModelFamily} from
 * an effective config and a seed, so a worker can rebuild the same session from the config text and a
 * {@link TrainingState}. Most families extend {@link GraphSession}, which implements all of this once.
 */
public interface TrainingSession extends AutoCloseable {
    /** One optimizer step on {@code batch}; returns every loss term by name, before the update. */
    Losses step(Batch batch);

    /** The names {@link #step} reports, in order ({@value Losses#TOTAL} included), known before the first step. */
    List<String> lossNames();

    /** A copy of the current trainable state: parameters (frozen ones excluded), optimizer state and step count. */
    TrainingState state();

    /** Replaces parameters, optimizer state and step count. */
    void load(TrainingState state);

    /**
     * The model parameters as {@link #state()} names them, for reading between steps (the EMA): sessions may return
     * their live arrays instead of copies, so callers must not modify them or keep them across steps.
     */
    default Map<String, INDArray> parameters() {
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
