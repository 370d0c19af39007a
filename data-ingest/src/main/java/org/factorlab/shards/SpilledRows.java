package org.factorlab.shards;

import java.nio.ByteBuffer;

/**
 * The rows of one spill bucket as they were spilled (fixed-size records: index int64, factor classes int32,
 * attributes int32, image bytes; big-endian), with an order to write them in. A cursor over them is what the
 * Parquet write support consumes, so no per-row objects or image copies are made.
 */
final class SpilledRows {
    final byte[] data;
    final ByteBuffer view;
    final int rowBytes, factors, attributes, imageBytes;
    final int[] order;

    SpilledRows(byte[] data, int factors, int attributes, int imageBytes, int[] order) {
        this.data = data;
        this.view = ByteBuffer.wrap(data);
        this.factors = factors;
        this.attributes = attributes;
        this.imageBytes = imageBytes;
        this.rowBytes = recordBytes(factors, attributes, imageBytes);
        this.order = order;
    }

    static int recordBytes(int factors, int attributes, int imageBytes) {
        return 8 + 4 * (factors + attributes) + imageBytes;
    }

    /** Encodes one row into {@code out} (which has {@link #recordBytes} remaining). */
    static void encode(ByteBuffer out, long index, int[] factors, int[] attributes, byte[] image) {
        out.putLong(index);
        for (int f : factors) out.putInt(f);
        for (int a : attributes) out.putInt(a);
        out.put(image);
    }

    int rows() {
        return order.length;
    }

    /** Byte offset of the {@code i}-th row in write order. */
    int offset(int i) {
        return order[i] * rowBytes;
    }

    long index(int off) {
        return view.getLong(off);
    }

    int factor(int off, int k) {
        return view.getInt(off + 8 + 4 * k);
    }

    int attribute(int off, int a) {
        return view.getInt(off + 8 + 4 * (factors + a));
    }

    int imageOffset(int off) {
        return off + 8 + 4 * (factors + attributes);
    }

    /** A reusable pointer at one row, handed to the Parquet writer. */
    static final class Cursor {
        SpilledRows rows;
        int offset;
    }
}
