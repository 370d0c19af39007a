package org.factorlab.model;

import org.factorlab.train.Checkpoint;

/**
 * Opens the {@link RepresentationEncoder} of a trained model from its checkpoint. Discovered with
 * {@link java.util.ServiceLoader} from {@code META-INF/services/org.factorlab.model.EncoderProvider}, so evaluation
 * works for any model (EncDiff now; DisDiff and iVAE register theirs the same way). {@link #modelName()} matches
 * {@link Checkpoint#model()} and the training side's {@code ModelProvider}.
 */
public interface EncoderProvider {
    String modelName();

    /** The encoder with the checkpoint's inference parameters (EMA where present). */
    RepresentationEncoder open(Checkpoint checkpoint);
}
