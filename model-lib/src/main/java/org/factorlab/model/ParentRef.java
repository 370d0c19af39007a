package org.factorlab.model;

/**
 * A parent checkpoint a config names: its config key ({@code pretrained.checkpoint}, {@code firstStage.checkpoint}),
 * its Hadoop FileSystem URI or local path, and the family it must be of.
 */
public record ParentRef(String key, String uri, String family) {
    public ParentRef {
        if (key == null || key.isBlank()) throw new IllegalArgumentException("parent: a config key is required");
        if (uri == null || uri.isBlank()) throw new IllegalArgumentException(key + ": a checkpoint URI is required");
        if (family == null || family.isBlank()) throw new IllegalArgumentException(key + ": the parent's family is required");
    }
}
