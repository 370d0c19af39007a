package org.factorlab.nn;

/**
 * Normalisation inside Encoder4. BATCH is the reference (PyTorch BatchNorm2d): batch statistics while training,
 * running statistics (momentum-updated outside the graph by the training session) when encoding. GROUP uses
 * GroupNorm(32), which has no train/eval difference and makes an image's code independent of its batch.
 */
public enum EncoderNorm { BATCH, GROUP }
