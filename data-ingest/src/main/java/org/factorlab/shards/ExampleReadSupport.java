package org.factorlab.shards;

import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.api.InitContext;
import org.apache.parquet.hadoop.api.ReadSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.Converter;
import org.apache.parquet.io.api.GroupConverter;
import org.apache.parquet.io.api.PrimitiveConverter;
import org.apache.parquet.io.api.RecordMaterializer;
import org.apache.parquet.schema.MessageType;
import org.factorlab.data.DatasetSpec;
import org.factorlab.ingest.Example;

/**
 * Reads shard rows back into {@link Example}s. Without images it projects the image column away (Parquet then
 * never decompresses it) and returns empty image arrays.
 */
final class ExampleReadSupport extends ReadSupport<Example> {
    private static final byte[] NO_IMAGE = new byte[0];
    private final DatasetSpec spec;
    private final MessageType requested;
    private final boolean images;

    ExampleReadSupport(DatasetSpec spec, boolean images) {
        this.spec = spec;
        this.images = images;
        this.requested = images ? ShardSchema.of(spec) : ShardSchema.withoutImage(spec);
    }

    @Override
    public ReadContext init(InitContext context) {
        MessageType file = context.getFileSchema();
        if (images && spec.hasLatent() && !file.containsField(ShardSchema.LATENT))
            throw new IllegalArgumentException("no '" + ShardSchema.LATENT + "' column, but the manifest's 'latent' says the rows carry one");
        // the file must hold every requested column with the same type; checkContains throws otherwise
        file.checkContains(requested);
        return new ReadContext(requested);
    }

    @Override
    public RecordMaterializer<Example> prepareForRead(Configuration conf, Map<String, String> keyValueMetaData,
                                                     MessageType fileSchema, ReadContext readContext) {
        return new Materializer();
    }

    private final class Materializer extends RecordMaterializer<Example> {
        private final int k = spec.factors().size();
        private final int a = spec.attributes().size();
        private long index;
        private byte[] image;
        private int[] factors;
        private int[] attributes;
        private float[] latent;
        private final int latentFloats = spec.hasLatent() ? spec.latent().size() : 0;
        private final Converter[] fields;
        private final GroupConverter root;

        Materializer() {
            int n = requested.getFieldCount();
            fields = new Converter[n];
            int f = 0;
            fields[f++] = new PrimitiveConverter() {
                @Override
                public void addLong(long value) {
                    index = value;
                }
            };
            if (images) fields[f++] = new PrimitiveConverter() {
                @Override
                public void addBinary(Binary value) {
                    image = value.getBytes();
                }
            };
            for (int i = 0; i < k; i++) {
                final int slot = i;
                fields[f++] = new PrimitiveConverter() {
                    @Override
                    public void addInt(int value) {
                        factors[slot] = value;
                    }
                };
            }
            for (int i = 0; i < k; i++) fields[f++] = new PrimitiveConverter() {
                @Override
                public void addDouble(double value) {
                    // the value is a function of the class (the manifest holds the table); nothing to keep
                }
            };
            for (int i = 0; i < a; i++) {
                final int slot = i;
                fields[f++] = new PrimitiveConverter() {
                    @Override
                    public void addInt(int value) {
                        attributes[slot] = value;
                    }
                };
            }
            if (images && spec.hasLatent()) fields[f++] = new PrimitiveConverter() {
                @Override
                public void addBinary(Binary value) {
                    java.nio.ByteBuffer buf = value.toByteBuffer().order(java.nio.ByteOrder.LITTLE_ENDIAN);
                    if (buf.remaining() != 4 * latentFloats)
                        throw new IllegalArgumentException("row " + index + " [" + ShardSchema.LATENT + "]: " + buf.remaining()
                                + " bytes, the manifest's latent.shape " + spec.latent().shape() + " needs " + 4 * latentFloats);
                    latent = new float[latentFloats];
                    buf.asFloatBuffer().get(latent);
                }
            };
            root = new GroupConverter() {
                @Override
                public Converter getConverter(int fieldIndex) {
                    return fields[fieldIndex];
                }

                @Override
                public void start() {
                    image = NO_IMAGE;
                    factors = new int[k];
                    attributes = new int[a];
                    latent = null;
                }

                @Override
                public void end() {
                }
            };
        }

        @Override
        public Example getCurrentRecord() {
            return new Example(index, image, factors, attributes, latent);
        }

        @Override
        public GroupConverter getRootConverter() {
            return root;
        }
    }
}
