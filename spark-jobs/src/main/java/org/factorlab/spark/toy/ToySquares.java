package org.factorlab.spark.toy;

import java.io.IOException;
import java.net.URI;
import java.util.List;
import java.util.SplittableRandom;
import org.factorlab.data.Batch;
import org.factorlab.data.BatchSource;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.Factor;
import org.factorlab.data.FactorGrid;
import org.factorlab.data.ImageShape;
import org.factorlab.ingest.Example;
import org.factorlab.provenance.Provenance;
import org.factorlab.shards.Manifest;
import org.factorlab.shards.ShardWriter;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.spark.WorkerData;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * A documented toy dataset rendered in memory ({@code --data toy:squares?size=8}): a coloured square on a dark
 * background, factors {@code color} (4), {@code y} and {@code x} (every position). It lets the Spark job, its tests
 * and its benchmark run without shards; real training reads Parquet shards.
 */
public final class ToySquares implements WorkerData {
    public static final String SCHEME = "toy";
    private static final float[][] COLORS = {{1f, -1f, -1f}, {-1f, 1f, -1f}, {-1f, -1f, 1f}, {1f, 1f, -1f}};
    private static final long SPLIT_SEED = 0x5eedL;

    private final int size;
    private final int square;
    private final String name;

    public ToySquares(int size) {
        if (size < 3 || size > 256) throw new IllegalArgumentException("toy:squares size: must be in [3, 256], got " + size);
        this.size = size;
        this.square = Math.max(2, size / 3);
        this.name = "toy:squares?size=" + size;
    }

    /** Parses {@code toy:squares} or {@code toy:squares?size=N}. */
    public static ToySquares parse(String uri) {
        String rest = uri.substring((SCHEME + ":").length());
        String path = rest, query = "";
        int q = rest.indexOf('?');
        if (q >= 0) { path = rest.substring(0, q); query = rest.substring(q + 1); }
        if (!path.equals("squares")) throw new IllegalArgumentException(uri + ": unknown toy dataset '" + path + "' (known: squares)");
        int size = 8;
        for (String kv : query.isEmpty() ? new String[0] : query.split("&")) {
            String[] p = kv.split("=", 2);
            if (p.length != 2 || !p[0].equals("size")) throw new IllegalArgumentException(uri + ": unknown parameter '" + kv + "' (known: size)");
            try {
                size = Integer.parseInt(p[1]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(uri + " [size]: not an integer: " + p[1]);
            }
        }
        return new ToySquares(size);
    }

    @Override
    public String name() {
        return name;
    }

    @Override
    public DatasetSpec spec() {
        int positions = size - square + 1;
        return new DatasetSpec("toy_squares", List.of(Factor.ofClasses("color", COLORS.length),
                Factor.ofClasses("y", positions), Factor.ofClasses("x", positions)), ImageShape.square(size, 3));
    }

    @Override
    public String manifestSha256() {
        return org.factorlab.provenance.Digests.sha256Hex(name);
    }

    @Override
    public long rows() {
        return spec().grid().count();
    }

    @Override
    public BatchSource open(int worker, int workers, int batchSize, long seed) {
        if (workers < 1 || worker < 0 || worker >= workers)
            throw new IllegalArgumentException("worker " + worker + " of " + workers);
        long per = rows() / workers;
        if (per < 1) throw new IllegalArgumentException(name + ": " + rows() + " rows cannot feed " + workers + " workers");
        // Rows are stored in grid order; a fixed permutation gives each worker a mix of all factors (as shards do).
        int[] all = permutation((int) rows(), new SplittableRandom(SPLIT_SEED));
        int[] mine = java.util.Arrays.copyOfRange(all, (int) (worker * per), (int) ((worker + 1) * per));
        return new Source(mine, batchSize, seed);
    }

    @Override
    public java.util.Iterator<Batch> scan(int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        FactorGrid grid = spec().grid();
        long n = rows();
        int pixels = 3 * size * size;
        return new java.util.Iterator<>() {
            private long next;

            @Override
            public boolean hasNext() {
                return next < n;
            }

            @Override
            public Batch next() {
                if (!hasNext()) throw new java.util.NoSuchElementException();
                int b = (int) Math.min(batchSize, n - next);
                float[] data = new float[b * pixels];
                int[][] factors = new int[b][];
                for (int i = 0; i < b; i++) {
                    factors[i] = grid.classes(next++);
                    render(factors[i], data, i * pixels);
                }
                return new Batch(Nd4j.create(data, new long[]{b, 3, size, size}, DataType.FLOAT), factors);
            }
        };
    }

    private static int[] permutation(int n, SplittableRandom rng) {
        int[] p = new int[n];
        for (int i = 0; i < n; i++) p[i] = i;
        for (int i = n - 1; i > 0; i--) {
            int j = rng.nextInt(i + 1);
            int t = p[i]; p[i] = p[j]; p[j] = t;
        }
        return p;
    }

    /**
     * Writes this dataset as Factorlab shards (the real training-data format) to {@code output}: used by tests
     * and benchmarks that exercise the shard-reading path without a renderer.
     */
    public Manifest writeShards(URI output, Configuration conf, long shuffleSeed, long rowsPerShard) throws IOException {
        DatasetSpec spec = spec();
        FactorGrid grid = spec.grid();
        int pixels = 3 * size * size;
        float[] chw = new float[pixels];
        try (ShardWriter w = ShardWriter.create(output, spec, ShardWriter.Options.defaults().withSeed(shuffleSeed)
                .withRowsPerShard(rowsPerShard).withExpectedRows(rows()).withProgress(false), conf)) {
            for (long i = 0; i < rows(); i++) {
                int[] classes = grid.classes(i);
                render(classes, chw, 0);
                byte[] hwc = new byte[pixels];
                for (int y = 0; y < size; y++)
                    for (int x = 0; x < size; x++)
                        for (int ch = 0; ch < 3; ch++)
                            hwc[(y * size + x) * 3 + ch] = (byte) Math.round((chw[ch * size * size + y * size + x] + 1) * 127.5f);
                w.accept(new Example(i, hwc, classes, null));
            }
            return w.commit(Provenance.of(name, shuffleSeed, null));
        }
    }

    private void render(int[] classes, float[] out, int offset) {
        float[] c = COLORS[classes[0]];
        int y0 = classes[1], x0 = classes[2], plane = size * size;
        for (int ch = 0; ch < 3; ch++)
            for (int y = 0; y < size; y++)
                for (int x = 0; x < size; x++) {
                    boolean in = y >= y0 && y < y0 + square && x >= x0 && x < x0 + square;
                    out[offset + ch * plane + y * size + x] = in ? c[ch] : -0.8f;
                }
    }

    private final class Source implements BatchSource {
        private final int[] rows;
        private final int batchSize;
        private final long seed;
        private final FactorGrid grid = spec().grid();
        private int[] order;
        private int epoch = -1;
        private int pos;

        Source(int[] rows, int batchSize, long seed) {
            if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
            this.rows = rows;
            this.batchSize = batchSize;
            this.seed = seed;
        }

        @Override
        public DatasetSpec spec() {
            return ToySquares.this.spec();
        }

        @Override
        public Batch next() {
            int pixels = 3 * size * size;
            float[] data = new float[batchSize * pixels];
            int[][] factors = new int[batchSize][];
            for (int b = 0; b < batchSize; b++) {
                if (order == null || pos == order.length) {
                    epoch++;
                    // Reshuffle per epoch: a seed derived from (seed, epoch).
                    int[] p = permutation(rows.length, new SplittableRandom(seed * 0x9E3779B97F4A7C15L + epoch));
                    order = new int[rows.length];
                    for (int i = 0; i < p.length; i++) order[i] = rows[p[i]];
                    pos = 0;
                }
                factors[b] = grid.classes(order[pos++]);
                render(factors[b], data, b * pixels);
            }
            return new Batch(Nd4j.create(data, new long[]{batchSize, 3, size, size}, DataType.FLOAT), factors);
        }
    }
}
