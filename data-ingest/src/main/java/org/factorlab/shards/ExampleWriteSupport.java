package org.factorlab.shards;

import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.Factor;
import org.factorlab.ingest.Example;

/** Writes {@link Example}s in the {@link ShardSchema} layout; factor values come from the spec. */
final class ExampleWriteSupport extends WriteSupport<Example> {
    static final String META_DATASET = "factorlab.dataset";

    private final DatasetSpec spec;
    private final MessageType schema;
    private final double[][] values;
    private RecordConsumer out;

    ExampleWriteSupport(DatasetSpec spec) {
        this.spec = spec;
        this.schema = ShardSchema.of(spec);
        this.values = spec.factors().stream().map(Factor::values).toArray(double[][]::new);
    }

    @Override
    public WriteContext init(Configuration configuration) {
        return new WriteContext(schema, Map.of(META_DATASET, spec.name()));
    }

    @Override
    public void prepareForWrite(RecordConsumer recordConsumer) {
        this.out = recordConsumer;
    }

    @Override
    public void write(Example e) {
        int k = values.length;
        out.startMessage();
        int field = 0;
        out.startField(ShardSchema.INDEX, field);
        out.addLong(e.index());
        out.endField(ShardSchema.INDEX, field++);
        out.startField(ShardSchema.IMAGE, field);
        out.addBinary(Binary.fromConstantByteArray(e.image()));
        out.endField(ShardSchema.IMAGE, field++);
        int[] f = e.factors();
        for (int i = 0; i < k; i++) {
            String name = schema.getFieldName(field);
            out.startField(name, field);
            out.addInteger(f[i]);
            out.endField(name, field++);
        }
        for (int i = 0; i < k; i++) {
            String name = schema.getFieldName(field);
            out.startField(name, field);
            out.addDouble(values[i][f[i]]);
            out.endField(name, field++);
        }
        int[] a = e.attributes();
        for (int value : a) {
            String name = schema.getFieldName(field);
            out.startField(name, field);
            out.addInteger(value);
            out.endField(name, field++);
        }
        out.endMessage();
    }
}
