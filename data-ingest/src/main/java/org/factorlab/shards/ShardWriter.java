package org.factorlab.shards;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.net.URI;
import java.nio.file.Files;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.regex.Pattern;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetFileWriter;
import org.apache.parquet.hadoop.ParquetWriter;
import org.apache.parquet.hadoop.api.WriteSupport;
import org.apache.parquet.hadoop.metadata.CompressionCodecName;
import org.apache.parquet.io.OutputFile;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.FactorGrid;
import org.factorlab.ingest.Example;
import org.factorlab.ingest.RawReader;
import org.factorlab.provenance.Provenance;

/**
 * Writes a dataset as shuffled Parquet shards plus a manifest to any Hadoop FileSystem URI (file://, hdfs://).
 *
 * <pre>{@code
 * var opts = ShardWriter.Options.defaults().withSeed(7).withExpectedRows(reader.count());
 * try (ShardWriter w = ShardWriter.create(URI.create("hdfs://nn:8020/data/shapes3d"), reader.spec(), opts, conf)) {
 *     reader.read(w);                                   // accept() may be called from several threads
 *     Manifest m = w.commit(Provenance.of(argsText, 7, null));
 * }
 * // or in one call: ShardWriter.write(reader, uri, opts, conf, argsText)
 * }</pre>
 *
 * <p>Examples may arrive in any order and from any thread. Each row's place is a pure function of the seed and its
 * {@link Example#index()}: rows are sorted by {@link #shuffleKey(long, long)}, so the same seed and data give the
 * same shards byte for byte whatever the arrival order. The shuffle runs in bounded memory: {@code accept} spills
 * rows to local files, one per range of shuffle keys ({@link Options#spillDir()}); {@link #commit} sorts one
 * bucket at a time and writes shard files of {@link Options#rowsPerShard()} rows (the last one shorter) in
 * parallel. Heap use is about {@code threads x (bucket + row group)}, a few hundred MB at most.
 *
 * <p>Shards are written under {@code _temporary-<uuid>/} in the output directory and renamed into place; the
 * manifest ({@value Manifest#FILE_NAME}) is written last, so an interrupted write leaves no dataset. Writing the
 * same data again to the same path succeeds and leaves the existing dataset untouched; a path holding a different
 * dataset (or unrelated files) is refused with a {@link DatasetConflictException}. One writer per path at a time.
 */
public final class ShardWriter implements RawReader.ExampleSink, AutoCloseable {
    /** Raw (uncompressed) bytes per shard when {@link Options#rowsPerShard()} is 0: compressed files stay under one HDFS block. */
    public static final long DEFAULT_SHARD_RAW_BYTES = 128L << 20;
    static final String TEMP_PREFIX = "_temporary-";
    static final Pattern SHARD_NAME = Pattern.compile("part-\\d{5,}\\.parquet");
    private static final long SPILL_BUCKET_RAW_BYTES = 32L << 20;
    private static final int MAX_BUCKETS = 1024;
    private static final int DEFAULT_BUCKETS = 64;

    /**
     * How to write. {@code rowsPerShard} 0 picks {@link #DEFAULT_SHARD_RAW_BYTES} worth of raw images;
     * {@code expectedRows} (0 = unknown) sizes the spill buckets; {@code spillDir} null uses java.io.tmpdir (needs
     * free space for the raw data); {@code zstdLevel} is Parquet's zstd level; {@code progress} prints a progress
     * bar while shards are written.
     */
    public record Options(long seed, long rowsPerShard, long expectedRows, int threads, java.nio.file.Path spillDir,
                          int zstdLevel, boolean progress) {
        public Options {
            if (rowsPerShard < 0) throw new IllegalArgumentException("rowsPerShard must be >= 0, got " + rowsPerShard);
            if (expectedRows < 0) throw new IllegalArgumentException("expectedRows must be >= 0, got " + expectedRows);
            if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
            if (zstdLevel < 1 || zstdLevel > 22) throw new IllegalArgumentException("zstd level must be 1..22, got " + zstdLevel);
        }

        public static Options defaults() {
            return new Options(0, 0, 0, Runtime.getRuntime().availableProcessors(), null, 1, false);
        }

        public Options withSeed(long v) {
            return new Options(v, rowsPerShard, expectedRows, threads, spillDir, zstdLevel, progress);
        }

        public Options withRowsPerShard(long v) {
            return new Options(seed, v, expectedRows, threads, spillDir, zstdLevel, progress);
        }

        public Options withExpectedRows(long v) {
            return new Options(seed, rowsPerShard, v, threads, spillDir, zstdLevel, progress);
        }

        public Options withThreads(int v) {
            return new Options(seed, rowsPerShard, expectedRows, v, spillDir, zstdLevel, progress);
        }

        public Options withSpillDir(java.nio.file.Path v) {
            return new Options(seed, rowsPerShard, expectedRows, threads, v, zstdLevel, progress);
        }

        public Options withZstdLevel(int v) {
            return new Options(seed, rowsPerShard, expectedRows, threads, spillDir, v, progress);
        }

        public Options withProgress(boolean v) {
            return new Options(seed, rowsPerShard, expectedRows, threads, spillDir, zstdLevel, v);
        }
    }

    private final DatasetSpec spec;
    private final Options options;
    private final Configuration conf;
    private final FileSystem fs;
    private final Path dir;
    private final Manifest existing;
    private final long rowsPerShard;
    private final FactorGrid grid;
    private final int imageBytes;
    private final java.nio.file.Path spill;
    private final Thread cleanup;
    private final Bucket[] buckets;
    private final int rowBytes;
    private final ThreadLocal<ByteBuffer> encodeBuffer;
    private volatile boolean done;

    private ShardWriter(DatasetSpec spec, Options options, Configuration conf, FileSystem fs, Path dir, Manifest existing)
            throws IOException {
        this.spec = spec;
        this.options = options;
        this.conf = conf;
        this.fs = fs;
        this.dir = dir;
        this.existing = existing;
        this.imageBytes = spec.imageShape().bytes();
        this.rowsPerShard = options.rowsPerShard() > 0 ? options.rowsPerShard() : Math.max(1, DEFAULT_SHARD_RAW_BYTES / imageBytes);
        this.grid = spec.hasFactors() ? spec.grid() : null;
        this.rowBytes = SpilledRows.recordBytes(spec.factors().size(), spec.attributes().size(), imageBytes);
        this.encodeBuffer = ThreadLocal.withInitial(() -> ByteBuffer.allocate(rowBytes));
        int n = options.expectedRows() == 0 ? DEFAULT_BUCKETS
                : (int) Math.min(MAX_BUCKETS, Math.max(1, ceilDiv(options.expectedRows() * rowBytes, SPILL_BUCKET_RAW_BYTES)));
        java.nio.file.Path parent = options.spillDir() != null ? options.spillDir()
                : java.nio.file.Path.of(System.getProperty("java.io.tmpdir"));
        this.spill = SpillDirs.create(parent);
        this.cleanup = new Thread(() -> {
            try {
                deleteSpill();
            } catch (IOException ignored) {
                // exiting anyway; the next writer removes what is left
            }
        }, "factorlab-shuffle-cleanup");
        Runtime.getRuntime().addShutdownHook(cleanup);
        this.buckets = new Bucket[n];
        for (int b = 0; b < n; b++) buckets[b] = new Bucket(spill.resolve(String.format("bucket-%04d.bin", b)));
    }

    /**
     * Opens a writer for {@code output}. Fails at once if the path holds a dataset with a different spec, seed or
     * shard size, or files that are not a Factorlab dataset.
     */
    public static ShardWriter create(URI output, DatasetSpec spec, Options options, Configuration conf) throws IOException {
        ShardSchema.of(spec); // column names must be unique
        if (spec.hasLatent())
            throw new IllegalArgumentException("dataset " + spec.name() + ": latent shards are written by LatentShards (factorlab encode-latents), not ShardWriter");
        Path dir = new Path(output);
        FileSystem fs = dir.getFileSystem(conf);
        dir = fs.makeQualified(dir);
        Manifest existing = null;
        if (fs.exists(dir)) {
            if (!fs.getFileStatus(dir).isDirectory())
                throw new DatasetConflictException("output " + dir + " is a file, not a dataset directory");
            if (fs.exists(new Path(dir, Manifest.FILE_NAME))) {
                try {
                    existing = Manifest.read(fs, dir);
                } catch (IOException e) {
                    throw new DatasetConflictException("output " + dir + " holds an unreadable manifest (" + e.getMessage()
                            + "); remove it or choose another path");
                }
                long rps = options.rowsPerShard() > 0 ? options.rowsPerShard() : Math.max(1, DEFAULT_SHARD_RAW_BYTES / spec.imageShape().bytes());
                List<String> diffs = new ArrayList<>();
                if (!existing.spec().equals(spec)) diffs.add("dataset " + describe(existing.spec()) + " vs " + describe(spec));
                if (existing.shuffleSeed() != options.seed()) diffs.add("shuffle seed " + existing.shuffleSeed() + " vs " + options.seed());
                if (existing.rowsPerShard() != rps) diffs.add("rows per shard " + existing.rowsPerShard() + " vs " + rps);
                if (!diffs.isEmpty())
                    throw new DatasetConflictException("output " + dir + " already holds a different dataset ("
                            + String.join("; ", diffs) + "); remove it or choose another path");
            } else {
                for (FileStatus st : fs.listStatus(dir)) {
                    String name = st.getPath().getName();
                    if (!isOwnLeftover(name))
                        throw new DatasetConflictException("output " + dir + " exists and holds '" + name
                                + "', which is not part of a Factorlab dataset; choose an empty or new path");
                }
            }
        }
        return new ShardWriter(spec, options, conf, fs, dir, existing);
    }

    /** Writes everything {@code reader} holds to {@code output} and commits; provenance records {@code configText}. */
    public static Manifest write(RawReader reader, URI output, Options options, Configuration conf, String configText)
            throws IOException {
        try (ShardWriter w = create(output, reader.spec(), options.expectedRows() == 0 ? options.withExpectedRows(reader.count()) : options, conf)) {
            reader.read(w);
            return w.commit(Provenance.of(configText, options.seed(), null));
        }
    }

    /**
     * The shuffle: rows are stored sorted by this key (unsigned), a bijection of the index for a given seed
     * (SplitMix64's finaliser), so the order is a seeded random permutation that does not depend on arrival order.
     */
    public static long shuffleKey(long seed, long index) {
        return mix64(mix64(seed) + index * 0x9E3779B97F4A7C15L);
    }

    private static long mix64(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    public DatasetSpec spec() {
        return spec;
    }

    /** The qualified output directory. */
    public URI output() {
        return dir.toUri();
    }

    /** Rows accepted so far. */
    public long count() {
        long n = 0;
        for (Bucket b : buckets) n += b.count();
        return n;
    }

    /** Validates and spills one example; thread-safe. */
    @Override
    public void accept(Example e) throws IOException {
        if (done) throw new IllegalStateException("writer for " + dir + " is already committed or closed");
        validate(e);
        long key = shuffleKey(options.seed(), e.index());
        ByteBuffer buf = encodeBuffer.get();
        buf.clear();
        SpilledRows.encode(buf, e.index(), e.factors(), e.attributes(), e.image());
        buckets[bucketOf(key, buckets.length)].write(buf.array(), rowBytes);
    }

    private void validate(Example e) {
        if (e.image() == null || e.image().length != imageBytes)
            throw new IllegalArgumentException("example " + e.index() + " [image]: " + (e.image() == null ? "missing" : e.image().length + " bytes")
                    + ", expected " + imageBytes + " (" + spec.imageShape() + ")");
        int[] f = e.factors();
        if (f.length != spec.factors().size())
            throw new IllegalArgumentException("example " + e.index() + " [factors]: " + f.length + " classes, dataset "
                    + spec.name() + " has factors " + spec.factorNames());
        if (grid != null) {
            for (int k = 0; k < f.length; k++)
                if (f[k] < 0 || f[k] >= grid.size(k))
                    throw new IllegalArgumentException("example " + e.index() + " [" + spec.factors().get(k).name() + "]: class "
                            + f[k] + " outside [0, " + grid.size(k) + ")");
            long idx = grid.index(f);
            if (idx != e.index())
                throw new IllegalArgumentException("example " + e.index() + " [index]: does not match its factor classes "
                        + Arrays.toString(f) + " (grid index " + idx + ")");
        }
        if (e.attributes().length != spec.attributes().size())
            throw new IllegalArgumentException("example " + e.index() + " [attributes]: " + e.attributes().length
                    + " values, dataset " + spec.name() + " has " + spec.attributes().size() + " attributes");
    }

    static int bucketOf(long key, int n) {
        return (int) (((key >>> 20) * n) >>> 44); // range partition of the unsigned key: buckets are key-ordered
    }


    /**
     * Sorts the spilled rows, writes the shards, renames them into place and writes the manifest last. If the output
     * already holds this exact dataset, it is left untouched and its manifest is returned.
     */
    public Manifest commit(Provenance provenance) throws IOException {
        if (done) throw new IllegalStateException("writer for " + dir + " is already committed or closed");
        done = true;
        Path tmp = null;
        try {
            for (Bucket b : buckets) b.finish();
            long n = count();
            if (n == 0) throw new IllegalStateException("no examples were written to " + dir);
            if (grid != null && n > grid.count())
                throw new IllegalArgumentException(n + " examples but dataset " + spec.name() + " has only " + grid.count() + " grid points");
            long[] start = new long[buckets.length + 1];
            for (int b = 0; b < buckets.length; b++) start[b + 1] = start[b] + buckets[b].count();
            int shards = (int) ceilDiv(n, rowsPerShard);
            tmp = new Path(dir, TEMP_PREFIX + UUID.randomUUID());
            if (!fs.mkdirs(tmp)) throw new IOException("cannot create " + tmp);
            List<Manifest.Shard> entries = writeShards(tmp, n, shards, start);
            Manifest m = new Manifest(Manifest.FORMAT, Manifest.FORMAT_VERSION, spec.name(), spec.factors(), spec.attributes(),
                    spec.imageShape(), n, entries.size(), rowsPerShard, options.seed(), Manifest.COMPRESSION, entries,
                    ContentDigest.ofShards(entries), provenance);
            if (existing != null) {
                if (existing.sameDataset(m)) {
                    removeStaleTemporaries(tmp); // left by a killed re-run
                    return existing;
                }
                throw new DatasetConflictException("output " + dir + " already holds a different dataset " + spec.name()
                        + " (" + firstDifference(existing, m) + "); remove it or choose another path");
            }
            publish(tmp, m);
            return m;
        } finally {
            if (tmp != null) fs.delete(tmp, true);
            deleteSpill();
        }
    }

    private List<Manifest.Shard> writeShards(Path tmp, long n, int shards, long[] start) throws IOException {
        int threads = Math.min(options.threads(), shards);
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, "shard-writer");
            t.setDaemon(true);
            return t;
        });
        ProgressBar bar = options.progress()
                ? ProgressBars.forStderr(new ProgressBarBuilder().setTaskName("Writing " + shards + " shards").setInitialMax(n)
                .setUnit(" img", 1).showSpeed()).build() : null;
        try {
            List<Future<Manifest.Shard>> futures = new ArrayList<>();
            for (int s = 0; s < shards; s++) {
                final int shard = s;
                futures.add(pool.submit(() -> writeShard(tmp, shard, Math.min(n, (shard + 1L) * rowsPerShard), start, bar)));
            }
            List<Manifest.Shard> out = new ArrayList<>();
            for (Future<Manifest.Shard> f : futures) out.add(f.get());
            return out;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while writing shards to " + dir);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof RuntimeException re) throw re;
            throw new IOException(c);
        } finally {
            pool.shutdownNow();
            if (bar != null) bar.close();
        }
    }

    private static long ceilDiv(long a, long b) {
        return -Math.floorDiv(-a, b);
    }

    static String shardName(int shard) {
        return String.format("part-%05d.parquet", shard);
    }

    private Manifest.Shard writeShard(Path tmp, int shard, long hi, long[] start, ProgressBar bar) throws IOException {
        long lo = shard * rowsPerShard;
        String name = shardName(shard);
        DigestOutputFile file = new DigestOutputFile(fs, new Path(tmp, name));
        SpilledRows.Cursor cursor = new SpilledRows.Cursor();
        ContentDigest content = new ContentDigest();
        try (ParquetWriter<SpilledRows.Cursor> w = writer(file)) {
            for (int b = 0; b < buckets.length; b++) {
                long bs = start[b], be = start[b + 1];
                if (be <= lo || bs >= hi) continue;
                SpilledRows rows = buckets[b].loadSorted();
                cursor.rows = rows;
                for (long r = Math.max(lo, bs); r < Math.min(hi, be); r++) {
                    cursor.offset = rows.offset((int) (r - bs));
                    content.add(rows, cursor.offset);
                    w.write(cursor);
                }
                if (bar != null) bar.stepBy(Math.min(hi, be) - Math.max(lo, bs));
            }
        }
        return new Manifest.Shard(name, hi - lo, file.length(), file.sha256(), content.hex());
    }

    private ParquetWriter<SpilledRows.Cursor> writer(OutputFile file) throws IOException {
        Configuration c = new Configuration(conf);
        c.setInt("parquet.compression.codec.zstd.level", options.zstdLevel());
        return new WriteSupportBuilder<>(file, new ExampleWriteSupport(spec))
                .withConf(c)
                .withWriteMode(ParquetFileWriter.Mode.OVERWRITE)
                .withCompressionCodec(CompressionCodecName.ZSTD)
                .withRowGroupSize(32L << 20)
                .withPageSize(1 << 20)
                .withDictionaryEncoding(true)
                .withDictionaryEncoding(ShardSchema.IMAGE, false)
                .withStatisticsTruncateLength(16)
                .withColumnIndexTruncateLength(16)
                .build();
    }

    /** Moves the shards into place, removes stale leftovers, then writes the manifest (temp name, rename). */
    private void publish(Path tmp, Manifest m) throws IOException {
        publish(fs, dir, tmp, m);
    }

    /**
     * Moves the shards of {@code m} from {@code tmp} into {@code dir}, removes stale shards and temporaries, then
     * writes the manifest under a temporary name and renames it: readers see the new dataset only once it is whole.
     */
    static void publish(FileSystem fs, Path dir, Path tmp, Manifest m) throws IOException {
        Set<String> names = new HashSet<>();
        for (Manifest.Shard s : m.shards()) names.add(s.file());
        for (FileStatus st : fs.listStatus(dir)) {
            String name = st.getPath().getName();
            boolean staleShard = SHARD_NAME.matcher(name).matches() && !names.contains(name);
            boolean staleTemp = (name.startsWith(TEMP_PREFIX) && !st.getPath().getName().equals(tmp.getName()))
                    || name.equals(Manifest.FILE_NAME + ".tmp");
            if (staleShard || staleTemp) fs.delete(st.getPath(), true);
        }
        for (Manifest.Shard s : m.shards()) {
            Path target = new Path(dir, s.file());
            if (fs.exists(target)) fs.delete(target, false); // HDFS rename does not overwrite
            if (!fs.rename(new Path(tmp, s.file()), target)) throw new IOException("cannot rename shard into " + target);
        }
        Path mtmp = new Path(dir, Manifest.FILE_NAME + ".tmp");
        try (var out = fs.create(mtmp, true)) {
            out.write(m.toJson());
        }
        if (!fs.rename(mtmp, new Path(dir, Manifest.FILE_NAME))) throw new IOException("cannot rename manifest into " + dir);
    }

    private void removeStaleTemporaries(Path keep) throws IOException {
        removeStaleTemporaries(fs, dir, keep);
    }

    static void removeStaleTemporaries(FileSystem fs, Path dir, Path keep) throws IOException {
        for (FileStatus st : fs.listStatus(dir)) {
            String name = st.getPath().getName();
            if ((name.startsWith(TEMP_PREFIX) && !name.equals(keep.getName())) || name.equals(Manifest.FILE_NAME + ".tmp"))
                fs.delete(st.getPath(), true);
        }
    }

    static String firstDifference(Manifest a, Manifest b) {
        if (a.rows() != b.rows()) return a.rows() + " rows there, " + b.rows() + " now";
        if (a.shards().size() != b.shards().size()) return a.shards().size() + " shards there, " + b.shards().size() + " now";
        for (int i = 0; i < a.shards().size(); i++)
            if (!a.shards().get(i).sameContent(b.shards().get(i))) return "shard " + a.shards().get(i).file() + " differs (its rows are not the same)";
        return "manifest differs";
    }

    private static String describe(DatasetSpec s) {
        return s.name() + " " + s.factorNames() + Arrays.toString(s.factorSizes()) + " " + s.imageShape()
                + (s.attributes().isEmpty() ? "" : " +" + s.attributes().size() + " attributes");
    }

    static boolean isOwnLeftover(String name) {
        if (name.startsWith(".") && name.endsWith(".crc")) name = name.substring(1, name.length() - 4); // local FS checksums
        return name.equals(Manifest.FILE_NAME) || SHARD_NAME.matcher(name).matches() || name.startsWith(TEMP_PREFIX) || name.equals(Manifest.FILE_NAME + ".tmp");
    }

    /** Aborts an uncommitted write: nothing becomes visible at the output, local spill files are removed. */
    @Override
    public void close() throws IOException {
        if (!done) {
            done = true;
            for (Bucket b : buckets) b.finish();
        }
        deleteSpill();
    }

    private void deleteSpill() throws IOException {
        if (Files.exists(spill)) SpillDirs.deleteTree(spill);
        try {
            if (Thread.currentThread() != cleanup) Runtime.getRuntime().removeShutdownHook(cleanup);
        } catch (IllegalStateException | IllegalArgumentException ignored) {
            // shutting down already, or removed before
        }
    }

    /** One spill file: rows whose shuffle key falls in this bucket's key range. */
    private final class Bucket {
        private final java.nio.file.Path file;
        private BufferedOutputStream out;
        private long count;

        Bucket(java.nio.file.Path file) {
            this.file = file;
        }

        synchronized void write(byte[] record, int length) throws IOException {
            if (out == null) out = new BufferedOutputStream(Files.newOutputStream(file), 64 << 10);
            out.write(record, 0, length);
            count++;
        }

        synchronized long count() {
            return count;
        }

        synchronized void finish() throws IOException {
            if (out != null) {
                out.close();
                out = null;
            }
        }

        /** All rows of this bucket in shuffle order; fails on an index written twice. */
        SpilledRows loadSorted() throws IOException {
            int n = Math.toIntExact(count);
            int k = spec.factors().size(), a = spec.attributes().size();
            long expect = (long) n * rowBytes;
            if (expect > Integer.MAX_VALUE - 16)
                throw new IOException("spill bucket " + file + " holds " + expect + " bytes (> 2 GiB): pass the expected row count (Options.withExpectedRows)");
            byte[] data = new byte[(int) expect];
            if (n > 0) {
                try (InputStream in = Files.newInputStream(file)) {
                    if (in.readNBytes(data, 0, data.length) != data.length || in.read() != -1)
                        throw new IOException("spill file " + file + " does not hold " + n + " rows of " + rowBytes + " bytes");
                }
            }
            SpilledRows rows = new SpilledRows(data, k, a, imageBytes, new int[0]);
            long seed = options.seed();
            long[] keys = new long[n];
            Integer[] order = new Integer[n];
            for (int i = 0; i < n; i++) {
                keys[i] = shuffleKey(seed, rows.index(i * rowBytes));
                order[i] = i;
            }
            Arrays.sort(order, (x, y) -> Long.compareUnsigned(keys[x], keys[y]));
            int[] sorted = new int[n];
            for (int i = 0; i < n; i++) {
                sorted[i] = order[i];
                // keys are a bijection of the index: equal keys mean a duplicate index
                if (i > 0 && keys[order[i]] == keys[order[i - 1]])
                    throw new IllegalArgumentException("dataset " + spec.name() + ": index " + rows.index(order[i] * rowBytes) + " was written twice");
            }
            return new SpilledRows(data, k, a, imageBytes, sorted);
        }
    }
}
