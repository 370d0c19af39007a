package org.factorlab.model;

import java.util.Optional;

/**
 * A trained model opened from a checkpoint. What it can do beyond encoding is asked for, not assumed: the picture
 * commands serve every model that offers {@link Decoding}, and say so when one does not.
 */
public interface TrainedModel {
    /** The family name. */
    String family();

    /** Images to codes, for evaluation. */
    RepresentationEncoder encoder();

    /** Side of the (square) images the model takes. */
    int imageSize();

    /** Decoding codes back to images (reconstruct, swap, traverse), where the model has a decoder. */
    default Optional<Decoding> decoding() {
        return Optional.empty();
    }

    /** Attention maps of the code's units while decoding, where the model has them. */
    default Optional<AttentionMaps> attentionMaps() {
        return Optional.empty();
    }

    /** Unconditional sampling, where the model is a generator. */
    default Optional<Generator> generator() {
        return Optional.empty();
    }

    /** Sampling under one unit of a code at a time, where the model has per-unit conditions. */
    default Optional<PartialConditioning> partialConditioning() {
        return Optional.empty();
    }

    /**
     * A latent model's first stage (images to latent and back through quantisation), which every picture it draws is
     * decoded through; empty for models in pixel space.
     */
    default Optional<Decoding> firstStage() {
        return Optional.empty();
    }

    /** The error for a capability this model lacks: "model betavae has no attention maps". */
    default UnsupportedOperationException lacks(String what) {
        return new UnsupportedOperationException("model " + family() + " has no " + what);
    }
}
