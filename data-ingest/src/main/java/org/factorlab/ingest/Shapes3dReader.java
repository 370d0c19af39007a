package org.factorlab.ingest;

import io.jhdf.HdfFile;
import io.jhdf.api.Dataset;
import io.jhdf.api.Node;
import io.jhdf.api.dataset.ChunkedDataset;
import io.jhdf.api.dataset.ContiguousDataset;
import io.jhdf.filter.PipelineFilterWithData;
import io.jhdf.object.datatype.FixedPoint;
import io.jhdf.object.datatype.FloatingPoint;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.BitSet;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.zip.DataFormatException;
import java.util.zip.Inflater;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.Factor;
import org.factorlab.data.FactorGrid;
import org.factorlab.data.KnownDataset;

/**
 * DeepMind's {@code 3dshapes.h5}: {@code images} (N, 64, 64, 3) uint8 and {@code labels} (N, 6) float,
 * gzip-chunked. Images are read chunk by chunk (raw chunk bytes, inflated on the decode threads; jhdf's slice
 * reads are ~15x slower). Factor classes come from the stored label values (nearest grid value within a
 * quarter of the grid spacing), never from row positions, so any subset of the grid in any order ingests with
 * the right classes; each example's index is its canonical grid index.
 */
public final class Shapes3dReader implements RawReader {
    static final String IMAGES = "images";
    static final String LABELS = "labels";
    private static final int DEFLATE_FILTER_ID = 1;
    /** Rows per decode task: amortises task hand-off when chunks hold one image each, as in the real file. */
    private static final int TASK_ROWS = 256;

    private final Path path;
    private final String file;
    private final HdfFile hdf;
    private final Dataset images;
    private final DatasetSpec spec = KnownDataset.SHAPES3D.spec();
    private final FactorGrid grid = spec.grid();
    private final long[] gridIndex;
    private final int threads;

    public Shapes3dReader(Path path, ReadOptions options) throws InvalidInputException {
        this.path = path;
        this.file = path.toString();
        this.threads = options.threads();
        if (!Files.isRegularFile(path)) throw new InvalidInputException(file, "", "no such file");
        try {
            this.hdf = new HdfFile(path);
        } catch (RuntimeException e) {
            throw new InvalidInputException(file, "", "not a readable HDF5 file (truncated or corrupt?): " + e.getMessage(), e);
        }
        try {
            this.images = dataset(IMAGES);
            Dataset labels = dataset(LABELS);
            int[] dims = images.getDimensions();
            int n = dims.length == 4 ? dims[0] : -1;
            var shape = spec.imageShape();
            if (dims.length != 4 || dims[1] != shape.height() || dims[2] != shape.width() || dims[3] != shape.channels())
                throw new InvalidInputException(file, IMAGES, "shape " + Arrays.toString(dims) + ", expected (N, 64, 64, 3)");
            if (!(images.getDataType() instanceof FixedPoint fp) || fp.getSize() != 1 || fp.isSigned())
                throw new InvalidInputException(file, IMAGES, "element type " + images.getJavaType() + " ("
                        + images.getDataType().getClass().getSimpleName() + " of " + images.getDataType().getSize() + " bytes), expected uint8");
            int[] ldims = labels.getDimensions();
            if (ldims.length != 2 || ldims[0] != n || ldims[1] != spec.factors().size())
                throw new InvalidInputException(file, LABELS, "shape " + Arrays.toString(ldims) + ", expected (" + n + ", 6) to match images");
            if (!(labels.getDataType() instanceof FloatingPoint))
                throw new InvalidInputException(file, LABELS, "element type " + labels.getJavaType() + ", expected float64");
            this.gridIndex = classify(readLabels(labels, n));
        } catch (InvalidInputException e) {
            hdf.close();
            throw e;
        } catch (RuntimeException e) {
            hdf.close();
            throw new InvalidInputException(file, "", "cannot read the HDF5 structure (truncated or corrupt?): " + e.getMessage(), e);
        }
    }

    @Override
    public DatasetSpec spec() {
        return spec;
    }

    @Override
    public long count() {
        return gridIndex.length;
    }

    /** Canonical grid index of each row, derived from its labels. */
    long[] gridIndices() {
        return gridIndex.clone();
    }

    private Dataset dataset(String key) throws InvalidInputException {
        Node node;
        try {
            node = hdf.getByPath(key);
        } catch (RuntimeException e) {
            throw new InvalidInputException(file, key, "no dataset '" + key + "'; the file holds " + hdf.getChildren().keySet());
        }
        if (!(node instanceof Dataset d)) throw new InvalidInputException(file, key, "'" + key + "' is not a dataset");
        return d;
    }

    private double[][] readLabels(Dataset labels, int n) throws InvalidInputException {
        try {
            Object data = labels.getData();
            if (data instanceof double[][] d) return d;
            if (data instanceof float[][] f) {
                double[][] out = new double[n][];
                for (int i = 0; i < n; i++) {
                    out[i] = new double[f[i].length];
                    for (int k = 0; k < f[i].length; k++) out[i][k] = f[i][k];
                }
                return out;
            }
            throw new InvalidInputException(file, LABELS, "unexpected element type " + labels.getJavaType());
        } catch (RuntimeException e) {
            throw new InvalidInputException(file, LABELS, "cannot read (truncated or corrupt?): " + e.getMessage(), e);
        }
    }

    private long[] classify(double[][] labels) throws InvalidInputException {
        List<Factor> factors = spec.factors();
        double[] tol = new double[factors.size()];
        for (int k = 0; k < tol.length; k++) tol[k] = tolerance(factors.get(k));
        long[] out = new long[labels.length];
        int[] cls = new int[factors.size()];
        BitSet seen = new BitSet((int) grid.count());
        for (int r = 0; r < labels.length; r++) {
            for (int k = 0; k < cls.length; k++) {
                Factor f = factors.get(k);
                cls[k] = f.classOf(labels[r][k], tol[k]);
                if (cls[k] < 0)
                    throw new InvalidInputException(file, LABELS + "[" + r + ", " + k + "]", "value " + labels[r][k] + " of factor '"
                            + f.name() + "' is not one of " + Arrays.toString(f.values()) + " (row " + r + ", column " + k + ")");
            }
            out[r] = grid.index(cls);
            if (seen.get((int) out[r])) {
                int first = 0;
                while (out[first] != out[r]) first++;
                throw new InvalidInputException(file, LABELS + "[" + r + "]", "row " + r + " repeats the factor values of row " + first);
            }
            seen.set((int) out[r]);
        }
        return out;
    }

    /** A quarter of the smallest gap between a factor's values: nearest-value matching without ambiguity. */
    static double tolerance(Factor f) {
        double[] v = f.values();
        Arrays.sort(v);
        double gap = Double.POSITIVE_INFINITY;
        for (int i = 1; i < v.length; i++) gap = Math.min(gap, v[i] - v[i - 1]);
        return Double.isInfinite(gap) ? 1e-6 : gap / 4;
    }

    @Override
    public void read(ExampleSink sink) throws IOException {
        int n = gridIndex.length;
        int imageBytes = spec.imageShape().bytes();
        if (images instanceof ContiguousDataset c) {
            // uncompressed, one block: read it straight from the file (jhdf's getBuffer maps it whole, > 2 GB fails)
            long start = hdf.getUserBlockSize() + c.getDataAddress();
            try (var ch = java.nio.channels.FileChannel.open(path, java.nio.file.StandardOpenOption.READ)) {
                if (ch.size() < start + (long) n * imageBytes)
                    throw new InvalidInputException(file, IMAGES, "file ends at byte " + ch.size() + ", before the last image (truncated file?)");
                var buf = ByteBuffer.allocate(imageBytes);
                for (int r = 0; r < n; r++) {
                    buf.clear();
                    while (buf.hasRemaining()) ch.read(buf, start + (long) r * imageBytes + buf.position());
                    sink.accept(example(r, buf.array().clone()));
                }
            }
            return;
        }
        if (!(images instanceof ChunkedDataset chunked))
            throw new InvalidInputException(file, IMAGES, "unsupported storage layout " + images.getDataLayout());
        int[] dims = images.getDimensions();
        int[] cd = chunked.getChunkDimensions();
        boolean wholeImages = cd[1] == dims[1] && cd[2] == dims[2] && cd[3] == dims[3];
        boolean deflateOnly = deflateOnly(chunked);
        ChunkFile chunks = wholeImages && deflateOnly ? ChunkFile.open(path, hdf, chunked, file) : null;
        try {
        OrderedPipeline.run(threads, "shapes3d", new OrderedPipeline.TaskSource() {
            int row = 0;

            @Override
            public boolean hasNext() {
                return row < n;
            }

            @Override
            public Callable<List<Example>> next() throws IOException {
                if (wholeImages && deflateOnly) {
                    // raw chunk reads stay on this thread (one file handle); inflating TASK_ROWS rows is one task
                    var firsts = new ArrayList<Integer>();
                    int rowsInTask = 0;
                    while (row < n && rowsInTask < TASK_ROWS) {
                        firsts.add(row);
                        int rows = Math.min(cd[0], n - row);
                        row += rows;
                        rowsInTask += rows;
                    }
                    List<byte[]> compressed = chunks != null ? chunks.read(firsts.get(0) / cd[0], firsts.size()) : new ArrayList<>();
                    if (chunks == null) for (int first : firsts) compressed.add(rawChunk(chunked, new int[]{first, 0, 0, 0}));
                    return () -> {
                        var out = new ArrayList<Example>();
                        Inflater inf = new Inflater();  // one per task: creating zlib state per chunk dominated the profile
                        try {
                            for (int i = 0; i < firsts.size(); i++) {
                                int first = firsts.get(i);
                                out.addAll(examples(first, Math.min(cd[0], n - first), inflate(inf, compressed.get(i), cd, first), imageBytes));
                            }
                        } finally {
                            inf.end();
                        }
                        return out;
                    };
                }
                int first = row, rows = Math.min(cd[0], n - row);
                row += rows;
                byte[] block = wholeImages ? decompressed(chunked, new int[]{first, 0, 0, 0}) : assemble(chunked, dims, cd, first, rows);
                return () -> examples(first, rows, block, imageBytes);
            }
        }, sink);
        } finally {
            if (chunks != null) chunks.close();
        }
    }

    private List<Example> examples(int first, int rows, byte[] block, int imageBytes) throws InvalidInputException {
        if (block.length < (long) rows * imageBytes)
            throw new InvalidInputException(file, IMAGES, "chunk at row " + first + " holds " + block.length + " bytes, expected at least " + (long) rows * imageBytes);
        var out = new ArrayList<Example>(rows);
        for (int i = 0; i < rows; i++)
            out.add(example(first + i, Arrays.copyOfRange(block, i * imageBytes, (i + 1) * imageBytes)));
        return out;
    }

    private Example example(int row, byte[] image) {
        long idx = gridIndex[row];
        return new Example(idx, image, grid.classes(idx), null);
    }

    private static boolean deflateOnly(ChunkedDataset d) {
        List<PipelineFilterWithData> filters = d.getFilters();
        return filters.size() == 1 && filters.get(0).getId() == DEFLATE_FILTER_ID;
    }

    private byte[] rawChunk(ChunkedDataset d, int[] offset) throws InvalidInputException {
        try {
            ByteBuffer b = d.getRawChunkBuffer(offset);
            byte[] out = new byte[b.remaining()];
            b.get(out);
            return out;
        } catch (RuntimeException e) {
            throw chunkError(offset, e);
        }
    }

    private byte[] decompressed(ChunkedDataset d, int[] offset) throws InvalidInputException {
        try {
            return d.getDecompressedChunk(offset);
        } catch (RuntimeException e) {
            throw chunkError(offset, e);
        }
    }

    private InvalidInputException chunkError(int[] offset, RuntimeException e) {
        return new InvalidInputException(file, IMAGES, "cannot read the chunk at " + Arrays.toString(offset)
                + " (truncated or corrupt file?): " + e.getMessage(), e);
    }

    private byte[] inflate(Inflater inf, byte[] compressed, int[] cd, int first) throws InvalidInputException {
        byte[] out = new byte[cd[0] * cd[1] * cd[2] * cd[3]];
        inf.reset();
        try {
            inf.setInput(compressed);
            int done = 0;
            while (done < out.length && !inf.finished()) {
                int k = inf.inflate(out, done, out.length - done);
                if (k == 0 && (inf.needsInput() || inf.needsDictionary())) break;
                done += k;
            }
            if (done != out.length)
                throw new InvalidInputException(file, IMAGES, "chunk at row " + first + " inflates to " + done + " bytes, expected " + out.length + " (corrupt?)");
            return out;
        } catch (DataFormatException e) {
            throw new InvalidInputException(file, IMAGES, "chunk at row " + first + " is not valid deflate data (corrupt?): " + e.getMessage(), e);
        }
    }

    /** Builds rows [first, first+rows) from chunks that split images (any chunk shape jhdf can read). */
    private byte[] assemble(ChunkedDataset d, int[] dims, int[] cd, int first, int rows) throws InvalidInputException {
        int h = dims[1], w = dims[2], c = dims[3];
        byte[] block = new byte[rows * h * w * c];
        for (int y0 = 0; y0 < h; y0 += cd[1])
            for (int x0 = 0; x0 < w; x0 += cd[2])
                for (int c0 = 0; c0 < c; c0 += cd[3]) {
                    byte[] chunk = decompressed(d, new int[]{first, y0, x0, c0});
                    for (int i = 0; i < rows; i++)
                        for (int y = 0; y < cd[1] && y0 + y < h; y++)
                            for (int x = 0; x < cd[2] && x0 + x < w; x++) {
                                int src = ((i * cd[1] + y) * cd[2] + x) * cd[3];
                                int dst = ((i * h + y0 + y) * w + x0 + x) * c + c0;
                                System.arraycopy(chunk, src, block, dst, Math.min(cd[3], c - c0));
                            }
                }
        return block;
    }

    @Override
    public void close() {
        hdf.close();
    }

    @Override
    public String toString() {
        return "3dshapes h5 " + path;
    }
}
