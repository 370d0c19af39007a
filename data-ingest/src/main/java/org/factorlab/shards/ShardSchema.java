package org.factorlab.shards;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import org.apache.parquet.schema.MessageType;
import org.apache.parquet.schema.PrimitiveType.PrimitiveTypeName;
import org.apache.parquet.schema.Type;
import org.apache.parquet.schema.Types;
import org.factorlab.data.DatasetSpec;

/**
 * The Parquet schema of a shard (docs/data.md): {@code index} (int64), {@code image} (raw HWC uint8 bytes), per
 * factor an int32 class column named after the factor and a double column {@code <factor>_value}, then one int32
 * column per attribute, and in latent shards a binary {@code latent} column last. Every column is required.
 */
public final class ShardSchema {
    public static final String INDEX = "index";
    public static final String IMAGE = "image";
    public static final String VALUE_SUFFIX = "_value";
    /** Latent shards only: the first-stage latent, raw little-endian float32 in CHW order ({@link org.factorlab.data.LatentSpec}). */
    public static final String LATENT = org.factorlab.data.LatentSpec.COLUMN;

    private ShardSchema() {
    }

    public static String valueColumn(String factor) {
        return factor + VALUE_SUFFIX;
    }

    /** The full schema for a dataset; fails if two columns would share a name. */
    public static MessageType of(DatasetSpec spec) {
        return build(spec, true);
    }

    /** The schema without the image (and latent) column: reads only the small columns (factor tables, indices). */
    public static MessageType withoutImage(DatasetSpec spec) {
        return build(spec, false);
    }

    private static MessageType build(DatasetSpec spec, boolean withImage) {
        var names = new HashSet<String>();
        List<Type> fields = new ArrayList<>();
        fields.add(Types.required(PrimitiveTypeName.INT64).named(unique(names, INDEX, spec)));
        if (withImage) fields.add(Types.required(PrimitiveTypeName.BINARY).named(unique(names, IMAGE, spec)));
        else names.add(IMAGE);
        for (String f : spec.factorNames()) fields.add(Types.required(PrimitiveTypeName.INT32).named(unique(names, f, spec)));
        for (String f : spec.factorNames())
            fields.add(Types.required(PrimitiveTypeName.DOUBLE).named(unique(names, valueColumn(f), spec)));
        for (String a : spec.attributes()) fields.add(Types.required(PrimitiveTypeName.INT32).named(unique(names, a, spec)));
        if (withImage && spec.hasLatent()) fields.add(Types.required(PrimitiveTypeName.BINARY).named(unique(names, LATENT, spec)));
        else names.add(LATENT);
        return new MessageType("factorlab_" + spec.name().replaceAll("[^A-Za-z0-9_]", "_"), fields);
    }

    private static String unique(java.util.Set<String> names, String name, DatasetSpec spec) {
        if (!names.add(name))
            throw new IllegalArgumentException("dataset '" + spec.name() + "': column name '" + name
                    + "' is used twice (factor, attribute or reserved names index, image, latent, *" + VALUE_SUFFIX + ")");
        return name;
    }
}
