package org.factorlab.shards;

import java.io.IOException;
import java.net.URI;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.Factor;
import org.factorlab.ingest.Example;
import org.factorlab.provenance.Provenance;

/**
 * Writes latent shards: the rows of an image dataset, in the same stored order, each with its first-stage latent
 * (the {@code latent} column, {@link org.factorlab.data.LatentSpec}). Built for a job whose tasks write one shard
 * each: {@link #prepare} checks the output, each task calls {@link #writeShard} into the job's temporary directory,
 * and {@link #commit} moves the shards into place and writes the manifest last (temporary name, rename), exactly as
 * {@link ShardWriter} does, so an interrupted job leaves no dataset.
 */
public final class LatentShards {
    private LatentShards() {
    }

    /** The job's temporary directory inside the output directory. */
    public static URI temporary(URI output, String jobId) {
        return new Path(new Path(output), ShardWriter.TEMP_PREFIX + jobId).toUri();
    }

    /**
     * Checks {@code output} before any work: it must be new, empty, hold only leftovers of a Factorlab write, or hold
     * a dataset (then {@link #commit} keeps it if it is the same and refuses it otherwise). Returns the qualified URI.
     */
    public static URI prepare(URI output, Configuration conf) throws IOException {
        Path dir = new Path(output);
        FileSystem fs = dir.getFileSystem(conf);
        dir = fs.makeQualified(dir);
        if (fs.exists(dir)) {
            if (!fs.getFileStatus(dir).isDirectory())
                throw new DatasetConflictException("output " + dir + " is a file, not a dataset directory");
            for (FileStatus st : fs.listStatus(dir)) {
                String name = st.getPath().getName();
                if (!ShardWriter.isOwnLeftover(name))
                    throw new DatasetConflictException("output " + dir + " exists and holds '" + name
                            + "', which is not part of a Factorlab dataset; choose an empty or new path");
            }
        }
        return dir.toUri();
    }

    /**
     * Writes {@code rows} (each with a latent of {@code spec.latent()}'s size) as shard number {@code shard} into the
     * job's temporary directory and returns its manifest entry (file SHA-256 and content digest).
     */
    public static Manifest.Shard writeShard(URI output, String jobId, int shard, DatasetSpec spec, Iterator<Example> rows,
                                            Configuration conf) throws IOException {
        if (!spec.hasLatent()) throw new IllegalArgumentException("dataset " + spec.name() + ": a latent shard needs spec.latent");
        Path tmp = new Path(temporary(output, jobId));
        FileSystem fs = tmp.getFileSystem(conf);
        fs.mkdirs(tmp);
        String name = ShardWriter.shardName(shard);
        DigestOutputFile file = new DigestOutputFile(fs, new Path(tmp, name));
        ContentDigest content = new ContentDigest();
        long n = 0;
        int floats = spec.latent().size();
        try (ParquetWriter<Example> w = new WriteSupportBuilder<>(file, new RowWriteSupport(spec)).withConf(conf)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withCompressionCodec(CompressionCodecName.ZSTD)
                .withRowGroupSize(32L << 20)
                .withPageSize(1 << 20)
                .withDictionaryEncoding(true)
                .withDictionaryEncoding(ShardSchema.IMAGE, false)
                .withDictionaryEncoding(ShardSchema.LATENT, false)
                .withStatisticsTruncateLength(16)
                .withColumnIndexTruncateLength(16)
                .build()) {
            while (rows.hasNext()) {
                Example e = rows.next();
                if (e.latent() == null || e.latent().length != floats)
                    throw new IllegalArgumentException("row " + e.index() + " [latent]: " + (e.latent() == null ? "missing" : e.latent().length + " floats")
                            + ", expected " + floats + " (" + spec.latent().shape() + ")");
                content.add(e.index(), e.factors(), e.attributes(), e.image(), e.latent());
                w.write(e);
                n++;
            }
        }
        if (n == 0) throw new IllegalArgumentException("latent shard " + name + " would be empty");
        return new Manifest.Shard(name, n, file.length(), file.sha256(), content.hex());
    }

    /**
     * Publishes the shards the tasks wrote: if the output already holds this exact dataset it is left untouched (and
     * returned); a different dataset there is refused; otherwise the shards are renamed into place and the manifest
     * is written last. The job's temporary directory is removed in every case.
     */
    public static Manifest commit(URI output, String jobId, DatasetSpec spec, long rowsPerShard, long shuffleSeed,
                                  List<Manifest.Shard> shards, Provenance provenance, Configuration conf) throws IOException {
        Path dir = new Path(output);
        FileSystem fs = dir.getFileSystem(conf);
        Path tmp = new Path(temporary(output, jobId));
        try {
            long rows = shards.stream().mapToLong(Manifest.Shard::rows).sum();
            Manifest m = new Manifest(Manifest.FORMAT, Manifest.FORMAT_VERSION, spec.name(), spec.factors(), spec.attributes(),
                    spec.imageShape(), rows, shards.size(), rowsPerShard, shuffleSeed, Manifest.COMPRESSION, shards,
                    ContentDigest.ofShards(shards), spec.latent(), provenance);
            // the manifest must read back as it will be read: validates rows, names and the latent lineage
            Manifest.parse(m.toJson(), new Path(dir, Manifest.FILE_NAME).toString());
            if (fs.exists(new Path(dir, Manifest.FILE_NAME))) {
                Manifest existing;
                try {
                    existing = Manifest.read(fs, dir);
                } catch (IOException e) {
                    throw new DatasetConflictException("output " + dir + " holds an unreadable manifest (" + e.getMessage()
                            + "); remove it or choose another path");
                }
                if (existing.sameDataset(m) && java.util.Objects.equals(existing.latent(), m.latent())) {
                    ShardWriter.removeStaleTemporaries(fs, dir, tmp);
                    return existing;
                }
                throw new DatasetConflictException("output " + dir + " already holds a different dataset ("
                        + (java.util.Objects.equals(existing.latent(), m.latent()) ? ShardWriter.firstDifference(existing, m)
                        : "latent lineage differs") + "); remove it or choose another path");
            }
            ShardWriter.publish(fs, dir, tmp, m);
            return m;
        } finally {
            fs.delete(tmp, true);
        }
    }

    /** Writes {@link Example}s with their latents in the {@link ShardSchema} layout. */
    private static final class RowWriteSupport extends WriteSupport<Example> {
        private final DatasetSpec spec;
        private final MessageType schema;
        private final double[][] values;
        private RecordConsumer out;

        RowWriteSupport(DatasetSpec spec) {
            this.spec = spec;
            this.schema = ShardSchema.of(spec);
            this.values = spec.factors().stream().map(Factor::values).toArray(double[][]::new);
        }

        @Override
        public WriteContext init(Configuration configuration) {
            return new WriteContext(schema, Map.of(ExampleWriteSupport.META_DATASET, spec.name()));
        }

        @Override
        public void prepareForWrite(RecordConsumer recordConsumer) {
            this.out = recordConsumer;
        }

        @Override
        public void write(Example e) {
            int k = values.length, field = 0;
            out.startMessage();
            out.startField(ShardSchema.INDEX, field);
            out.addLong(e.index());
            out.endField(ShardSchema.INDEX, field++);
            out.startField(ShardSchema.IMAGE, field);
            out.addBinary(Binary.fromConstantByteArray(e.image()));
            out.endField(ShardSchema.IMAGE, field++);
            for (int i = 0; i < k; i++) {
                String name = schema.getFieldName(field);
                out.startField(name, field);
                out.addInteger(e.factors()[i]);
                out.endField(name, field++);
            }
            for (int i = 0; i < k; i++) {
                String name = schema.getFieldName(field);
                out.startField(name, field);
                out.addDouble(values[i][e.factors()[i]]);
                out.endField(name, field++);
            }
            for (int a = 0; a < e.attributes().length; a++) {
                String name = schema.getFieldName(field);
                out.startField(name, field);
                out.addInteger(e.attributes()[a]);
                out.endField(name, field++);
            }
            java.nio.ByteBuffer buf = java.nio.ByteBuffer.allocate(4 * e.latent().length).order(java.nio.ByteOrder.LITTLE_ENDIAN);
            buf.asFloatBuffer().put(e.latent());
            out.startField(ShardSchema.LATENT, field);
            out.addBinary(Binary.fromConstantByteArray(buf.array()));
            out.endField(ShardSchema.LATENT, field);
            out.endMessage();
        }
    }
}
