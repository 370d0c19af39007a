package org.factorlab.ingest;

import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.temporal.ChronoUnit;
import java.util.Locale;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.cli.CliCommand;
import org.factorlab.data.KnownDataset;
import org.factorlab.provenance.Provenance;
import org.factorlab.shards.HadoopConf;
import org.factorlab.shards.Manifest;
import org.factorlab.shards.ShardWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code factorlab ingest <dataset> --input <raw path> --output <Hadoop FS URI>}: raw dataset to Parquet shards. */
@Command(name = "ingest", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Converts a raw dataset to shuffled Parquet+zstd shards and a manifest on any Hadoop FileSystem.",
                "Datasets and inputs: shapes3d (3dshapes.h5), mpi3d (the npz; 1,036,800 or 460,800 images), cars3d "
                        + "(folder of .mat files), celeba (folder with img_align_celeba/ and the list files), dsprites (npz).",
                "Re-running the same ingest is a no-op; an output path holding a different dataset is refused; on any "
                        + "error nothing becomes visible at the output. See docs/ingest.md."})
public final class IngestCommand implements CliCommand, Callable<Integer> {
    static {
        // jhdf logs every file open at INFO; keep the terminal for progress (slf4j-simple honours this)
        if (System.getProperty("org.slf4j.simpleLogger.log.io.jhdf") == null)
            System.setProperty("org.slf4j.simpleLogger.log.io.jhdf", "warn");
    }

    @Parameters(index = "0", paramLabel = "<dataset>", description = "shapes3d, mpi3d, mpi3d_460k, cars3d, celeba or dsprites")
    String dataset;

    @Option(names = "--input", required = true, paramLabel = "<raw path>", description = "Raw file or folder on the local file system.")
    Path input;

    @Option(names = "--output", required = true, paramLabel = "<uri>",
            description = "Output dataset directory as a Hadoop FileSystem URI (hdfs://nn:8020/data/shapes3d, file:///data/shapes3d); a plain path is on the default FileSystem ($HADOOP_CONF_DIR's fs.defaultFS, else local).")
    String output;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of the row shuffle (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", description = "Decode and shard-writing threads (default: all cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--allow-partial", description = "Cars3D: accept fewer than 183 .mat files; the car factor then has one class per file.")
    boolean allowPartial;

    @Option(names = "--celeba-crop", defaultValue = "CENTER_148",
            description = "CelebA crop before resizing to 64x64: ${COMPLETION-CANDIDATES} (default ${DEFAULT-VALUE}).")
    CelebaCrop celebaCrop;

    @Option(names = "--rows-per-shard", defaultValue = "0", description = "Rows per shard file (0: about 128 MiB of raw images).")
    long rowsPerShard;

    @Option(names = "--zstd-level", defaultValue = "1", description = "zstd level of the Parquet shards, 1..22 (default ${DEFAULT-VALUE}, as render; higher levels write slower, a little smaller).")
    int zstdLevel;

    @Option(names = {"--tmp-dir", "--spill-dir"}, paramLabel = "<dir>",
            description = "Local folder for the shuffle's temporary spill files (needs room for the raw images; default java.io.tmpdir). "
                    + "Each ingest spills into a factorlab-shuffle-* folder there, removed when it ends; one left by a killed ingest is removed by the next ingest or render that uses the same folder.")
    Path spillDir;

    @Option(names = "--no-progress", description = "No progress bars (log lines only).")
    boolean noProgress;

    @Override
    public Integer call() throws IOException {
        KnownDataset ds = KnownDataset.fromId(dataset);
        URI out = new org.apache.hadoop.fs.Path(output).toUri();
        var read = new ReadOptions(threads, allowPartial, celebaCrop);
        var write = ShardWriter.Options.defaults().withSeed(seed).withThreads(threads).withRowsPerShard(rowsPerShard)
                .withSpillDir(spillDir).withZstdLevel(zstdLevel).withProgress(!noProgress);
        String config = String.format(Locale.ROOT, "factorlab ingest %s --input %s --output %s --seed %d --allow-partial %s --celeba-crop %s --rows-per-shard %d%n%s",
                ds.id(), input.toAbsolutePath(), out, seed, allowPartial, celebaCrop, rowsPerShard, describeInput(input));
        try (RawReader reader = RawReaders.open(ds, input, read)) {
            if (!reader.spec().name().equals(ds.id()))
                System.err.printf(Locale.ROOT, "ingest: %s holds %,d images, the layout of %s; the dataset is ingested as %s%n",
                        input, reader.count(), reader.spec().name(), reader.spec().name());
            String mapping = reader.classMapping();
            if (!mapping.isEmpty()) config += "\n" + mapping;
            ingest(reader, out, write, HadoopConf.load(), config, !noProgress, System.err);
        }
        return 0;
    }

    /**
     * Streams every example of {@code reader} into shards at {@code output} and commits; prints images/s and ETA
     * while reading, then the shard-writing progress, then a summary line.
     */
    public static Manifest ingest(RawReader reader, URI output, ShardWriter.Options options, Configuration conf,
                                  String configText, boolean progress, PrintStream log) throws IOException {
        long n = reader.count();
        long t0 = System.nanoTime();
        var shape = reader.spec().imageShape();
        log.printf(Locale.ROOT, "ingest: %s, %,d images of %dx%dx%d -> %s%n", reader, n, shape.height(), shape.width(), shape.channels(), output);
        try (ShardWriter w = ShardWriter.create(output, reader.spec(), options.withExpectedRows(n), conf)) {
            ProgressBar bar = progress ? org.factorlab.shards.ProgressBars.forStderr(new ProgressBarBuilder().setTaskName("Reading")
                    .setInitialMax(n).setUnit(" img", 1).showSpeed().setSpeedUnit(ChronoUnit.SECONDS).setStyle(ProgressBarStyle.ASCII)
                    .setUpdateIntervalMillis(500).continuousUpdate()).build() : null;
            try {
                reader.read(e -> {
                    w.accept(e);
                    if (bar != null) bar.step();
                });
            } finally {
                if (bar != null) bar.close();
            }
            if (w.count() != n)
                throw new IOException(reader + ": delivered " + w.count() + " images but declared " + n);
            double readS = (System.nanoTime() - t0) / 1e9;
            log.printf(Locale.ROOT, "ingest: read %,d images in %.1f s (%,.0f images/s); writing shards%n", n, readS, n / readS);
            Manifest m = w.commit(Provenance.of(configText, options.seed(), null));
            double s = (System.nanoTime() - t0) / 1e9;
            log.printf(Locale.ROOT, "ingest: %,d rows in %d shards at %s (manifest sha256 %s); %.1f s, %,.0f images/s overall%n",
                    m.rows(), m.shards().size(), output, m.sha256(), s, m.rows() / s);
            return m;
        }
    }

    private static String describeInput(Path p) {
        try {
            if (Files.isDirectory(p)) {
                try (var s = Files.list(p)) {
                    return "input folder " + p.toAbsolutePath() + " (" + s.count() + " entries)";
                }
            }
            return "input file " + p.toAbsolutePath() + " (" + Files.size(p) + " bytes, modified " + Files.getLastModifiedTime(p) + ")";
        } catch (IOException e) {
            return "input " + p.toAbsolutePath();
        }
    }
}
