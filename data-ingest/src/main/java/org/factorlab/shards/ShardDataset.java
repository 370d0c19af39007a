package org.factorlab.shards;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.io.InputFile;
import org.factorlab.data.Batch;
import org.factorlab.data.BatchSource;
import org.factorlab.data.DatasetSpec;
import org.factorlab.ingest.Example;

/**
 * A shard dataset opened for reading, by Hadoop FileSystem URI. Opening reads and validates the manifest (a
 * directory without a complete manifest is no dataset: {@link MissingDatasetException}). Every shard read is
 * checked against its manifest size and SHA-256 first; a mismatch raises a {@link CorruptShardException} naming the
 * shard. Instances are cheap and hold no open files, so Spark executors can open their own:
 *
 * <pre>{@code
 * ShardDataset ds = ShardDataset.open(URI.create("hdfs://nn:8020/data/shapes3d"), hadoopConf);
 * try (BatchSource train = ds.batches(ds.rowPartition(worker, workers), 64, seed)) {   // endless, reshuffled per epoch
 *     Batch b = train.next();                                                           // [64, C, H, W] in [-1, 1]
 * }
 * FactorTable t = ds.factorTable();                       // all rows' factor classes, canonical index order
 * for (var it = ds.scan(ds.all(), 256); it.hasNext(); ) { IndexedBatch b = it.next(); ... b.indices() ... }
 * }</pre>
 */
public final class ShardDataset {
    private final Configuration conf;
    private final FileSystem fs;
    private final Path dir;
    private final Manifest manifest;
    private final long[] shardStart;
    private final String manifestSha256;

    private ShardDataset(Configuration conf, FileSystem fs, Path dir, Manifest manifest, String manifestSha256) {
        this.manifestSha256 = manifestSha256;
        this.conf = conf;
        this.fs = fs;
        this.dir = dir;
        this.manifest = manifest;
        this.shardStart = new long[manifest.shards().size() + 1];
        for (int s = 0; s < manifest.shards().size(); s++) shardStart[s + 1] = shardStart[s] + manifest.shards().get(s).rows();
    }

    /** Opens the dataset at {@code uri}; fails if there is no complete, valid manifest there. */
    public static ShardDataset open(URI uri, Configuration conf) throws IOException {
        Path dir = new Path(uri);
        FileSystem fs = dir.getFileSystem(conf);
        dir = fs.makeQualified(dir);
        byte[] json = Manifest.readBytes(fs, dir);
        Manifest m = Manifest.parse(json, new Path(dir, Manifest.FILE_NAME).toString());
        return new ShardDataset(conf, fs, dir, m, Manifest.sha256Hex(json));
    }

    public Manifest manifest() {
        return manifest;
    }

    public DatasetSpec spec() {
        return manifest.spec();
    }

    /** SHA-256 (hex) of the manifest file's bytes: what {@code Provenance.dataManifestSha256} of a run records. */
    public String manifestSha256() {
        return manifestSha256;
    }

    public URI uri() {
        return dir.toUri();
    }

    public Configuration conf() {
        return conf;
    }

    public long rows() {
        return manifest.rows();
    }

    public int shardCount() {
        return manifest.shards().size();
    }

    /** Checks every shard's size and SHA-256 against the manifest. */
    public void verify() throws IOException {
        for (int s = 0; s < shardCount(); s++) readVerified(s);
    }

    /**
     * Decodes every shard and checks its rows against the manifest's content digests ({@link ContentDigest}); a
     * manifest written before content digests existed has none to check.
     */
    public void verifyContent() throws IOException {
        for (int s = 0; s < shardCount(); s++) {
            Manifest.Shard shard = manifest.shards().get(s);
            if (shard.contentSha256() == null) continue;
            String got = ContentDigest.of(examples(new Selection(List.of(new Range(s, 0, shard.rows())))));
            if (!got.equals(shard.contentSha256()))
                throw new CorruptShardException(uri().toString(), shard.file(), "its rows' content digest " + got
                        + " differs from the manifest's contentSha256 " + shard.contentSha256());
        }
    }

    // ---- selections: which rows a reader (or a Spark worker) sees ------------------------------------------------

    /** A contiguous run of rows {@code [from, to)} inside shard {@code shard} (row numbers within the file). */
    public record Range(int shard, long from, long to) implements java.io.Serializable {
        public long rows() {
            return to - from;
        }
    }

    /** A subset of the dataset's rows, as runs inside shards, in stored order. */
    public record Selection(List<Range> ranges) implements java.io.Serializable {
        public Selection {
            ranges = List.copyOf(ranges);
        }

        public long rows() {
            return ranges.stream().mapToLong(Range::rows).sum();
        }
    }

    /** Every row. */
    public Selection all() {
        return rowRange(0, rows());
    }

    /**
     * Worker {@code worker} of {@code workers}: an equal share of {@code floor(rows / workers)} consecutive rows in
     * stored (already shuffled) order; the last {@code rows mod workers} rows are left out so every worker sees the
     * same number of rows.
     */
    public Selection rowPartition(int worker, int workers) {
        checkWorker(worker, workers);
        long share = rows() / workers;
        if (share == 0) throw new IllegalArgumentException(rows() + " rows cannot be split among " + workers + " workers");
        return rowRange(worker * share, (worker + 1) * share);
    }

    /** Worker {@code worker} of {@code workers}: whole shards {@code worker, worker + workers, ...} (sizes may differ). */
    public Selection shardPartition(int worker, int workers) {
        checkWorker(worker, workers);
        if (workers > shardCount()) throw new IllegalArgumentException(shardCount() + " shards cannot be split among " + workers + " workers");
        List<Range> out = new ArrayList<>();
        for (int s = worker; s < shardCount(); s += workers) out.add(new Range(s, 0, manifest.shards().get(s).rows()));
        return new Selection(out);
    }

    /** Rows {@code [from, to)} in stored order (shards concatenated). */
    public Selection rowRange(long from, long to) {
        if (from < 0 || to > rows() || from > to) throw new IllegalArgumentException("row range [" + from + ", " + to + ") outside [0, " + rows() + ")");
        List<Range> out = new ArrayList<>();
        for (int s = 0; s < shardCount(); s++) {
            long lo = Math.max(from, shardStart[s]), hi = Math.min(to, shardStart[s + 1]);
            if (lo < hi) out.add(new Range(s, lo - shardStart[s], hi - shardStart[s]));
        }
        return new Selection(out);
    }

    private static void checkWorker(int worker, int workers) {
        if (workers < 1 || worker < 0 || worker >= workers)
            throw new IllegalArgumentException("worker " + worker + " of " + workers + " is not a valid partition");
    }

    // ---- reading --------------------------------------------------------------------------------------------------

    /** Raw examples of a selection in stored order (images as stored, HWC uint8). */
    public Iterator<Example> examples(Selection selection) {
        return new Iterator<>() {
            private final Iterator<Range> ranges = selection.ranges().iterator();
            private Example[] rows = new Example[0];
            private int next;

            @Override
            public boolean hasNext() {
                while (next >= rows.length && ranges.hasNext()) {
                    rows = readRange(ranges.next(), true);
                    next = 0;
                }
                return next < rows.length;
            }

            @Override
            public Example next() {
                if (!hasNext()) throw new NoSuchElementException();
                return rows[next++];
            }
        };
    }

    /** Every row's index and factor classes (and attributes), sorted by canonical index; images are not decoded. */
    public FactorTable factorTable() throws IOException {
        int n = Math.toIntExact(rows());
        long[] idx = new long[n];
        int[][] factors = new int[n][];
        int[][] attributes = new int[n][];
        int i = 0;
        for (int s = 0; s < shardCount(); s++) {
            for (Example e : readShard(s, false)) {
                idx[i] = e.index();
                factors[i] = e.factors();
                attributes[i] = e.attributes();
                i++;
            }
        }
        Integer[] order = new Integer[n];
        for (int j = 0; j < n; j++) order[j] = j;
        Arrays.sort(order, (x, y) -> Long.compare(idx[x], idx[y]));
        long[] sIdx = new long[n];
        int[][] sF = new int[n][], sA = new int[n][];
        for (int j = 0; j < n; j++) {
            sIdx[j] = idx[order[j]];
            sF[j] = factors[order[j]];
            sA[j] = attributes[order[j]];
        }
        return new FactorTable(spec(), sIdx, sF, sA);
    }

    /** A minibatch with the canonical index of each of its images (to place per-image results, e.g. codes). */
    public record IndexedBatch(long[] indices, Batch batch) {
    }

    /** One pass over a selection in stored order, in batches of {@code batchSize} (the last may be smaller). */
    public Iterator<IndexedBatch> scan(Selection selection, int batchSize) {
        if (batchSize < 1) throw new IllegalArgumentException("batch size must be >= 1, got " + batchSize);
        Iterator<Example> it = examples(selection);
        DatasetSpec spec = spec();
        return new Iterator<>() {
            @Override
            public boolean hasNext() {
                return it.hasNext();
            }

            @Override
            public IndexedBatch next() {
                if (!hasNext()) throw new NoSuchElementException();
                List<Example> rows = new ArrayList<>(batchSize);
                while (rows.size() < batchSize && it.hasNext()) rows.add(it.next());
                long[] idx = rows.stream().mapToLong(Example::index).toArray();
                return new IndexedBatch(idx, Batches.toBatch(spec, rows));
            }
        };
    }

    /**
     * An endless stream of full minibatches over a selection, reshuffled every epoch from {@code seed}: each epoch
     * visits the selection's runs in a seeded random order and shuffles the rows within each run (rows were already
     * shuffled globally when written). Batches continue across epoch boundaries. The next run is read in the
     * background while the current one is served. Memory: about two runs of decoded images (a run is at most one
     * shard).
     */
    public BatchSource batches(Selection selection, int batchSize, long seed) {
        return new ShardBatchSource(this, selection, batchSize, seed);
    }

    /** {@link #batches(Selection, int, long)} over every row. */
    public BatchSource batches(int batchSize, long seed) {
        return batches(all(), batchSize, seed);
    }

    Example[] readRange(Range r, boolean images) {
        try {
            Example[] rows = readShard(r.shard(), images);
            return r.from() == 0 && r.to() == rows.length ? rows : Arrays.copyOfRange(rows, (int) r.from(), (int) r.to());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** All rows of one shard in stored order, after checking its bytes against the manifest. */
    Example[] readShard(int shard, boolean images) throws IOException {
        Manifest.Shard entry = manifest.shards().get(shard);
        byte[] bytes = readVerified(shard);
        List<Example> rows = new ArrayList<>((int) entry.rows());
        InputFile in = new MemoryInputFile(bytes);
        try (ParquetReader<Example> r = new ReaderBuilder(in, new ExampleReadSupport(spec(), images)).withConf(conf).build()) {
            for (Example e; (e = r.read()) != null; ) rows.add(e);
        } catch (RuntimeException | IOException e) {
            throw new CorruptShardException(dir.toString(), entry.file(), "cannot decode: " + e.getMessage(), e);
        }
        if (rows.size() != entry.rows())
            throw new CorruptShardException(dir.toString(), entry.file(), rows.size() + " rows, manifest says " + entry.rows());
        return rows.toArray(Example[]::new);
    }

    private byte[] readVerified(int shard) throws IOException {
        Manifest.Shard entry = manifest.shards().get(shard);
        Path p = new Path(dir, entry.file());
        FileStatus st;
        try {
            st = fs.getFileStatus(p);
        } catch (java.io.FileNotFoundException e) {
            throw new CorruptShardException(dir.toString(), entry.file(), "file is missing", e);
        }
        if (st.getLen() != entry.bytes())
            throw new CorruptShardException(dir.toString(), entry.file(), "size " + st.getLen() + " bytes, manifest says " + entry.bytes());
        if (entry.bytes() > Integer.MAX_VALUE - 16)
            throw new CorruptShardException(dir.toString(), entry.file(), "larger than 2 GiB; rewrite with fewer rows per shard");
        byte[] bytes = new byte[(int) entry.bytes()];
        try (InputStream in = fs.open(p)) {
            int got = in.readNBytes(bytes, 0, bytes.length);
            if (got != bytes.length) throw new CorruptShardException(dir.toString(), entry.file(), "truncated while reading: " + got + " of " + bytes.length + " bytes");
        }
        MessageDigest md = org.factorlab.provenance.Digests.sha256();
        String sha = HexFormat.of().formatHex(md.digest(bytes));
        if (!sha.equals(entry.sha256()))
            throw new CorruptShardException(dir.toString(), entry.file(), "SHA-256 " + sha + ", manifest says " + entry.sha256());
        return bytes;
    }

    /** Per-epoch run order: a seeded shuffle of the selection's runs. */
    static List<Range> shuffledRanges(Selection selection, java.util.SplittableRandom rng) {
        List<Range> ranges = new ArrayList<>(selection.ranges());
        Collections.shuffle(ranges, new java.util.Random(rng.nextLong()));
        return ranges;
    }

    private static final class ReaderBuilder extends ParquetReader.Builder<Example> {
        private final ExampleReadSupport support;

        ReaderBuilder(InputFile file, ExampleReadSupport support) {
            super(file);
            this.support = support;
        }

        @Override
        protected org.apache.parquet.hadoop.api.ReadSupport<Example> getReadSupport() {
            return support;
        }
    }
}
