package org.factorlab.shards;

import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.io.api.Binary;
import org.apache.parquet.io.api.RecordConsumer;
import org.apache.parquet.schema.MessageType;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.Factor;

/** Writes spilled rows in the {@link ShardSchema} layout; factor values come from the spec. */
final class ExampleWriteSupport extends WriteSupport<SpilledRows.Cursor> {
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
    public void write(SpilledRows.Cursor c) {
        SpilledRows r = c.rows;
        int off = c.offset;
        int k = values.length;
        out.startMessage();
        int field = 0;
        out.startField(ShardSchema.INDEX, field);
        out.addLong(r.index(off));
        out.endField(ShardSchema.INDEX, field++);
        out.startField(ShardSchema.IMAGE, field);
        // constant: the bucket's buffer is never modified while the writer may hold the value (statistics)
        out.addBinary(Binary.fromConstantByteArray(r.data, r.imageOffset(off), r.imageBytes));
        out.endField(ShardSchema.IMAGE, field++);
        for (int i = 0; i < k; i++) {
            String name = schema.getFieldName(field);
            out.startField(name, field);
            out.addInteger(r.factor(off, i));
            out.endField(name, field++);
        }
        for (int i = 0; i < k; i++) {
            String name = schema.getFieldName(field);
            out.startField(name, field);
            out.addDouble(values[i][r.factor(off, i)]);
            out.endField(name, field++);
        }
        for (int a = 0; a < r.attributes; a++) {
            String name = schema.getFieldName(field);
            out.startField(name, field);
            out.addInteger(r.attribute(off, a));
            out.endField(name, field++);
        }
        out.endMessage();
    }
}
