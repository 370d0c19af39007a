package org.factorlab.shards;

import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.OutputFile;

/** A Parquet writer builder for a given {@link WriteSupport}: the one both shard writers (images, latents) use. */
final class WriteSupportBuilder<T> extends ParquetWriter.Builder<T, WriteSupportBuilder<T>> {
    private final WriteSupport<T> support;

    WriteSupportBuilder(OutputFile file, WriteSupport<T> support) {
        super(file);
        this.support = support;
    }

    @Override
    protected WriteSupportBuilder<T> self() {
        return this;
    }

    @Override
    protected WriteSupport<T> getWriteSupport(Configuration conf) {
        return support;
    }
}
