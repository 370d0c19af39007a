package org.factorlab.data;

import java.util.List;
import java.util.Objects;

/**
 * The latent column of latent shards ({@code factorlab encode-latents}): each row's first-stage latent, float32
 * {@code shape = [channels, height, width]} (scaled as the first stage's {@code encode} returns it), and its lineage:
 * the first-stage checkpoint (URI, SHA-256 of its bytes) and the image shards it was computed from (URI, SHA-256 of
 * their manifest file). A latent model refuses latents whose first stage is not its own.
 */
public record LatentSpec(List<Integer> shape, String firstStageUri, String firstStageSha256, String sourceUri,
                         String sourceManifestSha256) {
    /** The shard column that holds the latent (raw little-endian float32, CHW order). */
    public static final String COLUMN = "latent";

    public LatentSpec {
        shape = List.copyOf(Objects.requireNonNull(shape, "latent.shape"));
        if (shape.size() != 3 || shape.stream().anyMatch(s -> s == null || s < 1))
            throw new IllegalArgumentException("latent.shape must be [channels, height, width] with positive sizes, got " + shape);
        if (firstStageSha256 == null || !firstStageSha256.matches("[0-9a-f]{64}"))
            throw new IllegalArgumentException("latent.firstStageSha256: not a lower-case hex SHA-256: " + firstStageSha256);
        if (sourceManifestSha256 == null || !sourceManifestSha256.matches("[0-9a-f]{64}"))
            throw new IllegalArgumentException("latent.sourceManifestSha256: not a lower-case hex SHA-256: " + sourceManifestSha256);
    }

    /** Floats per row. */
    public int size() {
        return shape.get(0) * shape.get(1) * shape.get(2);
    }

    public long[] shapeArray() {
        return new long[]{shape.get(0), shape.get(1), shape.get(2)};
    }
}
