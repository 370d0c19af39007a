package org.factorlab.spark;

import org.apache.hadoop.conf.Configuration;
import org.factorlab.spark.toy.ToySquares;

/** Opens the training data named by a {@code --data} URI. */
public final class DataSources {
    private DataSources() {
    }

    public static WorkerData open(String uri, Configuration conf) {
        if (uri.startsWith(ToySquares.SCHEME + ":")) return ToySquares.parse(uri);
        throw new IllegalArgumentException("--data " + uri + ": Parquet shard datasets need the shard reader "
                + "(org.factorlab.shards), which this build does not include yet; use toy:squares meanwhile");
    }
}
