package org.factorlab.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.nio.ByteBuffer;
import org.nd4j.linalg.api.buffer.DataBuffer;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.concurrency.AffinityManager;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Kryo serializer for INDArray that copies the raw buffer in bulk: dtype, shape, then the C-order bytes. DL4J's
 * {@code Nd4jSerializer} writes element by element through a DataOutputStream, which costs seconds per direction
 * for a model state of hundreds of MB. Bytes are in the platform's native order (executors and driver share an
 * architecture). On a GPU backend the host copy is synchronised before reading and marked current after writing.
 */
final class ArraySerializer extends Serializer<INDArray> {
    private static final int CHUNK = 1 << 16;

    @Override
    public void write(Kryo kryo, Output out, INDArray arr) {
        INDArray c = arr.isView() || arr.ordering() != 'c' || arr.offset() != 0 || arr.data().length() != arr.length()
                ? arr.dup('c') : arr;
        out.writeString(c.dataType().name());
        long[] shape = c.shape();
        out.writeInt(shape.length, true);
        for (long s : shape) out.writeLong(s, true);
        long bytes = c.length() * c.dataType().width();
        out.writeLong(bytes, true);
        if (bytes == 0) return;
        Nd4j.getAffinityManager().ensureLocation(c, AffinityManager.Location.HOST);
        ByteBuffer src = c.data().asNio().duplicate();
        src.position(0).limit(Math.toIntExact(bytes));
        byte[] chunk = new byte[(int) Math.min(CHUNK, bytes)];
        while (src.hasRemaining()) {
            int n = Math.min(chunk.length, src.remaining());
            src.get(chunk, 0, n);
            out.writeBytes(chunk, 0, n);
        }
    }

    @Override
    public INDArray read(Kryo kryo, Input in, Class<INDArray> type) {
        DataType dtype = DataType.valueOf(in.readString());
        long[] shape = new long[in.readInt(true)];
        for (int i = 0; i < shape.length; i++) shape[i] = in.readLong(true);
        long bytes = in.readLong(true);
        if (bytes == 0) return Nd4j.create(dtype, shape);
        long length = bytes / dtype.width();
        DataBuffer buf = Nd4j.createBuffer(dtype, length, false);
        ByteBuffer dst = buf.asNio().duplicate();
        dst.position(0).limit(Math.toIntExact(bytes));
        byte[] chunk = new byte[(int) Math.min(CHUNK, bytes)];
        while (dst.hasRemaining()) {
            int n = Math.min(chunk.length, dst.remaining());
            in.readBytes(chunk, 0, n);
            dst.put(chunk, 0, n);
        }
        INDArray arr = Nd4j.create(buf, shape, Nd4j.getStrides(shape, 'c'), 0, 'c');
        Nd4j.getAffinityManager().tagLocation(arr, AffinityManager.Location.HOST);
        return arr;
    }
}
