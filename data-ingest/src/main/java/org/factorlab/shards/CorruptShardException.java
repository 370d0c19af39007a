package org.factorlab.shards;

import java.io.IOException;

/** A shard whose bytes do not match its manifest entry (checksum or size), or that cannot be decoded. */
public final class CorruptShardException extends IOException {
    private final String shard;

    public CorruptShardException(String dataset, String shard, String problem) {
        super("dataset " + dataset + ": shard " + shard + " is corrupt: " + problem);
        this.shard = shard;
    }

    public CorruptShardException(String dataset, String shard, String problem, Throwable cause) {
        this(dataset, shard, problem);
        initCause(cause);
    }

    /** The shard's file name as the manifest lists it. */
    public String shard() {
        return shard;
    }
}
