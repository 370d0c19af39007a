package org.factorlab.spark;

import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Named arrays packed into one byte array (C order, native byte order) with a small header of names, types and
 * shapes: the form in which a model state crosses JVMs each round (through the {@link StateExchange}). One
 * contiguous buffer travels as one bulk copy and sums with a plain loop, where a map of hundreds of INDArrays means
 * hundreds of small serialisations and allocations. Not thread-safe.
 */
final class FlatArrays {
    private static final ByteOrder ORDER = ByteOrder.nativeOrder();
    private final String[] names;
    private final DataType[] types;
    private final long[][] shapes;
    /** Byte offset of each array in {@link #data}, and the total length as the last entry. */
    private final int[] offsets;
    private final byte[] data;

    private FlatArrays(String[] names, DataType[] types, long[][] shapes, int[] offsets, byte[] data) {
        this.names = names;
        this.types = types;
        this.shapes = shapes;
        this.offsets = offsets;
        this.data = data;
    }

    /** Copies {@code arrays} (any layout and type) into one buffer, in the map's order. */
    static FlatArrays pack(Map<String, INDArray> arrays) {
        int n = arrays.size();
        String[] names = new String[n];
        DataType[] types = new DataType[n];
        long[][] shapes = new long[n][];
        int[] offsets = new int[n + 1];
        INDArray[] dense = new INDArray[n];
        long total = 0;
        int i = 0;
        for (var e : arrays.entrySet()) {
            INDArray a = e.getValue();
            INDArray c = a.isView() || a.ordering() != 'c' || a.offset() != 0 || a.data().length() != a.length() ? a.dup('c') : a;
            names[i] = e.getKey();
            types[i] = c.dataType();
            shapes[i] = c.shape();
            dense[i] = c;
            offsets[i] = Math.toIntExact(total);
            total += c.length() * c.dataType().width();
            i++;
        }
        offsets[n] = Math.toIntExact(total);
        byte[] data = new byte[offsets[n]];
        for (i = 0; i < n; i++) {
            int bytes = offsets[i + 1] - offsets[i];
            if (bytes == 0) continue;
            Nd4j.getAffinityManager().ensureLocation(dense[i], AffinityManager.Location.HOST);
            ByteBuffer src = dense[i].data().asNio().duplicate();
            src.position(0).limit(bytes);
            src.get(data, offsets[i], bytes);
        }
        return new FlatArrays(names, types, shapes, offsets, data);
    }

    int size() {
        return names.length;
    }

    long bytes() {
        return data.length;
    }

    /** The arrays as fresh INDArrays, in the packed order. */
    Map<String, INDArray> unpack() {
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (int i = 0; i < names.length; i++) m.put(names[i], array(i));
        return m;
    }

    /** One array as a fresh INDArray, or null if there is none of that name. */
    INDArray get(String name) {
        for (int i = 0; i < names.length; i++) if (names[i].equals(name)) return array(i);
        return null;
    }

    private INDArray array(int i) {
        int bytes = offsets[i + 1] - offsets[i];
        if (bytes == 0) return Nd4j.create(types[i], shapes[i]);
        DataBuffer buf = Nd4j.createBuffer(types[i], bytes / types[i].width(), false);
        ByteBuffer dst = buf.asNio().duplicate();
        dst.position(0).limit(bytes);
        dst.put(data, offsets[i], bytes);
        INDArray arr = Nd4j.create(buf, shapes[i], Nd4j.getStrides(shapes[i], 'c'), 0, 'c');
        Nd4j.getAffinityManager().tagLocation(arr, AffinityManager.Location.HOST);
        return arr;
    }

    /** Adds {@code other} element-wise into this (same names, types and shapes), as INDArray.addi would, in float32 or float64. */
    void addInPlace(FlatArrays other, String kind) {
        if (!Arrays.equals(names, other.names))
            throw new IllegalStateException("workers disagree on " + kind + " names: " + Arrays.toString(names) + " vs " + Arrays.toString(other.names));
        for (int i = 0; i < names.length; i++) {
            if (types[i] != other.types[i] || !Arrays.equals(shapes[i], other.shapes[i]))
                throw new IllegalStateException("workers disagree on " + kind + " '" + names[i] + "': " + types[i] + Arrays.toString(shapes[i])
                        + " vs " + other.types[i] + Arrays.toString(other.shapes[i]));
            int from = offsets[i], to = offsets[i + 1];
            if (to == from) continue;
            ByteBuffer a = ByteBuffer.wrap(data, from, to - from).slice().order(ORDER);
            ByteBuffer b = ByteBuffer.wrap(other.data, from, to - from).slice().order(ORDER);
            switch (types[i]) {
                case FLOAT -> {
                    // bulk copies to plain arrays (memcpy) and a loop the JIT vectorises: a tenth of per-element buffer access
                    FloatBuffer fa = a.asFloatBuffer(), fb = b.asFloatBuffer();
                    float[] x = new float[fa.limit()], y = new float[fa.limit()];
                    fa.get(0, x);
                    fb.get(0, y);
                    for (int k = 0; k < x.length; k++) x[k] += y[k];
                    fa.put(0, x);
                }
                case DOUBLE -> {
                    DoubleBuffer da = a.asDoubleBuffer(), db = b.asDoubleBuffer();
                    double[] x = new double[da.limit()], y = new double[da.limit()];
                    da.get(0, x);
                    db.get(0, y);
                    for (int k = 0; k < x.length; k++) x[k] += y[k];
                    da.put(0, x);
                }
                default -> throw new IllegalStateException(kind + " '" + names[i] + "' has type " + types[i]
                        + "; only FLOAT and DOUBLE states can be averaged");
            }
        }
    }

    /**
     * Divides every element by {@code n} in place (float32 or float64 division, as INDArray.divi does). One loop over
     * the buffer instead of one native op per array: on a busy machine each native op can wait milliseconds for its
     * OpenMP threads, and a model state has hundreds of arrays.
     */
    void divideInPlace(int n, String kind) {
        for (int i = 0; i < names.length; i++) {
            int from = offsets[i], to = offsets[i + 1];
            if (to == from) continue;
            ByteBuffer a = ByteBuffer.wrap(data, from, to - from).slice().order(ORDER);
            switch (types[i]) {
                case FLOAT -> {
                    FloatBuffer fa = a.asFloatBuffer();
                    float[] x = new float[fa.limit()];
                    fa.get(0, x);
                    float d = n;
                    for (int k = 0; k < x.length; k++) x[k] /= d;
                    fa.put(0, x);
                }
                case DOUBLE -> {
                    DoubleBuffer da = a.asDoubleBuffer();
                    double[] x = new double[da.limit()];
                    da.get(0, x);
                    double d = n;
                    for (int k = 0; k < x.length; k++) x[k] /= d;
                    da.put(0, x);
                }
                default -> throw new IllegalStateException(kind + " '" + names[i] + "' has type " + types[i]
                        + "; only FLOAT and DOUBLE states can be averaged");
            }
        }
    }

    void write(Output out) {
        out.writeInt(names.length, true);
        for (int i = 0; i < names.length; i++) {
            out.writeString(names[i]);
            out.writeString(types[i].name());
            out.writeInt(shapes[i].length, true);
            for (long s : shapes[i]) out.writeLong(s, true);
            out.writeInt(offsets[i + 1] - offsets[i], true);
        }
        out.writeBytes(data);
    }

    static FlatArrays read(Input in) {
        int n = in.readInt(true);
        String[] names = new String[n];
        DataType[] types = new DataType[n];
        long[][] shapes = new long[n][];
        int[] offsets = new int[n + 1];
        for (int i = 0; i < n; i++) {
            names[i] = in.readString();
            types[i] = DataType.valueOf(in.readString());
            shapes[i] = new long[in.readInt(true)];
            for (int d = 0; d < shapes[i].length; d++) shapes[i][d] = in.readLong(true);
            offsets[i + 1] = offsets[i] + in.readInt(true);
        }
        return new FlatArrays(names, types, shapes, offsets, in.readBytes(offsets[n]));
    }
}
