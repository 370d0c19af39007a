package org.factorlab.ingest;

import io.jhdf.HdfFile;
import io.jhdf.api.dataset.ChunkedDataset;
import io.jhdf.dataset.chunked.Chunk;
import java.io.IOException;
import java.lang.reflect.Method;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Fast raw-chunk access for a dataset chunked along its first axis only (the layout of 3dshapes.h5): jhdf's chunk
 * index gives every chunk's file address and size once, then runs of consecutive chunks are read with one
 * positional read each. jhdf's own {@code getRawChunkBuffer} memory-maps and unmaps every chunk, which cost more
 * than inflating it. The chunk index is jhdf's protected {@code getChunkLookup()}; if a jhdf version hides it,
 * {@link #open} returns null and the caller uses the public per-chunk API.
 */
final class ChunkFile implements AutoCloseable {
    private static final long MAX_RUN_GAP = 64 << 10;
    private static final int MAX_RUN_BYTES = 64 << 20;

    private final FileChannel channel;
    private final String file;
    private final long[] address;
    private final int[] size;

    private ChunkFile(FileChannel channel, String file, long[] address, int[] size) {
        this.channel = channel;
        this.file = file;
        this.address = address;
        this.size = size;
    }

    static ChunkFile open(Path path, HdfFile hdf, ChunkedDataset dataset, String file) throws InvalidInputException {
        Map<?, ?> lookup;
        try {
            Method m = io.jhdf.dataset.chunked.ChunkedDatasetBase.class.getDeclaredMethod("getChunkLookup");
            m.setAccessible(true);
            lookup = (Map<?, ?>) m.invoke(dataset);
        } catch (ReflectiveOperationException | RuntimeException e) {
            if (e instanceof java.lang.reflect.InvocationTargetException ite && ite.getCause() instanceof RuntimeException re)
                throw new InvalidInputException(file, Shapes3dReader.IMAGES, "cannot read the chunk index (truncated or corrupt?): " + re.getMessage(), re);
            return null;
        }
        int rowsPerChunk = dataset.getChunkDimensions()[0];
        int n = (int) ((dataset.getDimensions()[0] + (long) rowsPerChunk - 1) / rowsPerChunk);
        long[] address = new long[n];
        int[] size = new int[n];
        java.util.Arrays.fill(address, -1);
        long base = hdf.getUserBlockSize();
        for (Object o : lookup.values()) {
            Chunk c = (Chunk) o;
            if (!c.getFilterMask().isEmpty()) return null;  // a chunk stored without its filter: take the slow path
            long[] off = c.getChunkOffset();
            int i = (int) (off[0] / rowsPerChunk);
            if (i < 0 || i >= n) throw new InvalidInputException(file, Shapes3dReader.IMAGES, "chunk offset " + off[0] + " outside the dataset");
            address[i] = base + c.getAddress();
            size[i] = c.getSize();
        }
        for (int i = 0; i < n; i++)
            if (address[i] < 0)
                throw new InvalidInputException(file, Shapes3dReader.IMAGES, "chunk for rows from " + (long) i * rowsPerChunk + " is missing (never written?)");
        try {
            return new ChunkFile(FileChannel.open(path, StandardOpenOption.READ), file, address, size);
        } catch (IOException e) {
            throw new InvalidInputException(file, "", "cannot open: " + e.getMessage(), e);
        }
    }

    /** The compressed bytes of chunks {@code first .. first+count-1}, read in runs of adjacent chunks. */
    List<byte[]> read(int first, int count) throws InvalidInputException {
        var out = new ArrayList<byte[]>(count);
        int i = first, end = first + count;
        while (i < end) {
            int j = i + 1;
            long lo = address[i], hi = address[i] + size[i];
            while (j < end && address[j] >= hi && address[j] - hi <= MAX_RUN_GAP && address[j] + size[j] - lo <= MAX_RUN_BYTES) {
                hi = address[j] + size[j];
                j++;
            }
            ByteBuffer run = ByteBuffer.allocate((int) (hi - lo));
            try {
                while (run.hasRemaining()) {
                    int k = channel.read(run, lo + run.position());
                    if (k < 0)
                        throw new InvalidInputException(file, Shapes3dReader.IMAGES, "file ends at byte " + (lo + run.position())
                                + " inside the chunk for row " + i + " (truncated file?)");
                }
            } catch (InvalidInputException e) {
                throw e;
            } catch (IOException e) {
                throw new InvalidInputException(file, Shapes3dReader.IMAGES, "read failed: " + e.getMessage(), e);
            }
            byte[] bytes = run.array();
            for (int c = i; c < j; c++) {
                int from = (int) (address[c] - lo);
                out.add(java.util.Arrays.copyOfRange(bytes, from, from + size[c]));
            }
            i = j;
        }
        return out;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
