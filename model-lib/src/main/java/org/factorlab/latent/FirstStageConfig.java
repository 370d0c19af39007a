package org.factorlab.latent;

/**
 * The {@code firstStage} section of a diffusion family's config: an empty {@code checkpoint} keeps the model in
 * pixel space; a {@code vqae} checkpoint puts the diffusion on that first stage's latent
 * ({@code [channels, imageSize / downsampling, imageSize / downsampling]}), while encoders of images (EncDiff's)
 * still read the image. {@code latents} says where the latent comes from: the {@code latent} column of shards made
 * by {@code factorlab encode-latents} ({@code shards}), or the first stage's encoder on every batch
 * ({@code encode}, the official code's way). {@code required} makes an empty checkpoint an error (configs that exist
 * only as latent models, e.g. the official ones), rather than a quiet fall-back to pixels.
 */
public record FirstStageConfig(String checkpoint, boolean required, int channels, int downsampling, Latents latents) {
    /** The config key of the first-stage checkpoint (a parent). */
    public static final String KEY = "firstStage.checkpoint";

    public enum Latents {
        /** The latent column of latent shards. */
        SHARDS,
        /** Encoded from each batch's images on the fly. */
        ENCODE
    }

    public FirstStageConfig {
        if (checkpoint == null) checkpoint = "";
        if (latents == null) latents = Latents.SHARDS;
        if (channels < 1) throw new IllegalArgumentException("firstStage.channels must be >= 1, got " + channels);
        if (downsampling < 1) throw new IllegalArgumentException("firstStage.downsampling must be >= 1, got " + downsampling);
    }

    public static FirstStageConfig pixels() {
        return new FirstStageConfig("", false, 3, 4, Latents.SHARDS);
    }

    /** Whether the diffusion runs on a first stage's latent. */
    public boolean latent() {
        return !checkpoint.isBlank();
    }

    /** Channels the diffusion sees: the latent's, or the image's. */
    public int diffusionChannels(int imageChannels) {
        return latent() ? channels : imageChannels;
    }

    /** Side the diffusion sees; errors name {@code firstStage.downsampling} and {@code model.imageSize}. */
    public int diffusionSize(int imageSize) {
        if (!latent()) return imageSize;
        if (imageSize % downsampling != 0)
            throw new IllegalArgumentException("firstStage.downsampling: " + downsampling + " does not divide model.imageSize " + imageSize);
        return imageSize / downsampling;
    }
}
