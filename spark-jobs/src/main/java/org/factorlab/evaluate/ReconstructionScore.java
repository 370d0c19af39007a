package org.factorlab.evaluate;

import java.io.Serializable;

/**
 * A model's reconstruction quality on the first {@code images} rows of the data ({@code evaluate --reconstruction}):
 * SSIM and MSE of its reconstructions from its code, and, for a latent model (or a first stage itself), of the
 * first stage alone (encode, quantise, decode), which bounds what the model can reach. {@code start} and
 * {@code ddimSteps} say how diffusion decoders decoded (null / 0 for direct decoders); first-stage values are null
 * for pixel-space models.
 */
public record ReconstructionScore(double ssim, double mse, Double firstStageSsim, Double firstStageMse, int images, String start,
                                  int ddimSteps) implements Serializable {
}
