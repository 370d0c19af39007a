package org.factorlab.spark;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.data.BatchSource;
import org.factorlab.data.DatasetSpec;
import org.factorlab.shards.ShardDataset;

/**
 * Parquet shards on any Hadoop FileSystem as training data: worker i of n reads
 * {@link ShardDataset#rowPartition} (an equal share of rows) through the shard reader, which checks every shard
 * against its manifest checksum and names a missing or corrupt shard. Only the URI and the manifest checksum are
 * shipped; each executor opens the dataset itself (and checks it is still the one the driver saw).
 */
final class ShardWorkerData implements WorkerData {
    private static final long serialVersionUID = 1L;
    private static final Map<String, ShardDataset> OPEN = new ConcurrentHashMap<>();

    private final String uri;
    private final String manifestSha256;
    private final long rows;
    private transient ShardDataset dataset;

    private ShardWorkerData(String uri, ShardDataset ds) {
        this.uri = uri;
        this.dataset = ds;
        this.manifestSha256 = ds.manifest().sha256();
        this.rows = ds.rows();
    }

    /** Opens (and validates) the dataset on the driver. */
    static ShardWorkerData open(String uri, Configuration conf) {
        try {
            return new ShardWorkerData(uri, ShardDataset.open(URI.create(uri), conf));
        } catch (IOException e) {
            throw new UncheckedIOException("--data " + uri + ": " + e.getMessage(), e);
        }
    }

    private ShardDataset dataset() {
        if (dataset == null) {
            dataset = OPEN.computeIfAbsent(uri + "#" + manifestSha256, k -> {
                try {
                    ShardDataset ds = ShardDataset.open(URI.create(uri), DataSources.executorConf());
                    if (!ds.manifest().sha256().equals(manifestSha256))
                        throw new IllegalStateException("dataset " + uri + " changed while training: manifest sha256 "
                                + ds.manifest().sha256() + ", the driver saw " + manifestSha256);
                    return ds;
                } catch (IOException e) {
                    throw new UncheckedIOException("dataset " + uri + ": " + e.getMessage(), e);
                }
            });
        }
        return dataset;
    }

    @Override
    public String name() {
        return uri;
    }

    @Override
    public DatasetSpec spec() {
        return dataset().spec();
    }

    @Override
    public String manifestSha256() {
        return manifestSha256;
    }

    @Override
    public long rows() {
        return rows;
    }

    @Override
    public BatchSource open(int worker, int workers, int batchSize, long seed) {
        ShardDataset ds = dataset();
        return ds.batches(ds.rowPartition(worker, workers), batchSize, seed);
    }

    @Override
    public java.util.Iterator<org.factorlab.data.Batch> scan(int batchSize) {
        ShardDataset ds = dataset();
        var it = ds.scan(ds.all(), batchSize);
        return new java.util.Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public org.factorlab.data.Batch next() {
                return it.next().batch();
            }
        };
    }
}
