package org.factorlab.spark;

/** The loss or the parameters became NaN or infinite: the run stops, and its last good checkpoint is kept. */
public final class TrainingDivergedException extends RuntimeException {
    public TrainingDivergedException(String message) {
        super(message);
    }
}
