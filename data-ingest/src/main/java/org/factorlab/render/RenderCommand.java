package org.factorlab.render;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.cli.CliCommand;
import org.factorlab.data.DatasetSpec;
import org.factorlab.ingest.Example;
import org.factorlab.shards.HadoopConf;
import org.factorlab.shards.Manifest;
import org.factorlab.shards.ShardWriter;
import org.factorlab.provenance.Provenance;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code factorlab render shapes3d|dsprites --output URI ...}: renders a dataset straight into shards. */
@Command(name = "render", mixinStandardHelpOptions = true,
        description = {"Render the embedded datasets straight into Parquet shards on any Hadoop FileSystem.",
                "shapes3d: ray-cast Shapes3D-like scene, Shapes3D's exact factor grid (10x10x10x8x4x15 = 480,000 images).",
                "dsprites: dSprites-like sprites (1x3x6x40x32x32 = 737,280 images), single channel."})
public final class RenderCommand implements Callable<Integer>, CliCommand {
    /** The renderable datasets. */
    public enum Kind { shapes3d, dsprites }

    @Parameters(index = "0", description = "Dataset to render: ${COMPLETION-CANDIDATES}.")
    Kind kind;

    @Option(names = "--output", description = "Output dataset directory (file:///..., hdfs://..., or a path on the default FileSystem). Without it only the sheets are drawn.")
    String output;

    @Option(names = "--size", defaultValue = "64", description = "Image height and width in pixels (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--seed", defaultValue = "0", description = "Shuffle seed of the stored row order (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--threads", description = "Render and write threads (default: all cores).")
    Integer threads;

    @Option(names = "--factor", paramLabel = "NAME=CLASSES",
            description = "Keep only these classes of a factor, e.g. --factor floor_hue=0,3,6 (repeatable). Kept classes keep their values.")
    List<String> factors = new ArrayList<>();

    @Option(names = "--samples", defaultValue = "4", description = "shapes3d: antialiasing rays per pixel axis (default ${DEFAULT-VALUE}, i.e. 16 per pixel).")
    int samples;

    @Option(names = "--rows-per-shard", defaultValue = "0", description = "Rows per shard file (default: 128 MiB of raw images).")
    long rowsPerShard;

    @Option(names = "--zstd-level", defaultValue = "1", description = "Parquet zstd level (default ${DEFAULT-VALUE}).")
    int zstdLevel;

    @Option(names = {"--tmp-dir", "--spill-dir"}, description = "Local directory for the shuffle's spill files (default: java.io.tmpdir).")
    Path spillDir;

    @Option(names = "--sheet", description = "Also write a PNG contact sheet of 32 random sample images to this local file.")
    Path sheet;

    @Option(names = "--traversals", description = "Also write a PNG with one row per factor, varying that factor from a base image.")
    Path traversals;

    @Override
    public Integer call() throws IOException {
        if (output == null && sheet == null && traversals == null)
            throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "give --output (and/or --sheet, --traversals)");
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        Renderer r = renderer(kind, size, samples, factors, t);
        DatasetSpec spec = r.spec();
        System.err.printf("rendering %s: %,d images of %dx%dx%d, factors %s sizes %s%n", spec.name(), r.count(),
                size, size, spec.imageShape().channels(), spec.factorNames(), java.util.Arrays.toString(spec.factorSizes()));
        int zoom = Math.max(1, 128 / size);
        if (sheet != null) {
            ContactSheet.write(r.samples(32, seed), spec.imageShape(), 8, zoom, sheet);
            System.err.println("contact sheet: " + sheet);
        }
        if (traversals != null) {
            ContactSheet.write(ContactSheet.traversals(r, 10, seed), spec.imageShape(), 10, zoom, traversals);
            System.err.println("factor traversals: " + traversals);
        }
        if (output == null) return 0;
        Configuration conf = HadoopConf.load();
        var opts = ShardWriter.Options.defaults().withSeed(seed).withRowsPerShard(rowsPerShard).withExpectedRows(r.count())
                .withThreads(t).withSpillDir(spillDir).withZstdLevel(zstdLevel).withProgress(true);
        URI out = new org.apache.hadoop.fs.Path(output).toUri();
        long t0 = System.nanoTime();
        Manifest m;
        try (ShardWriter w = ShardWriter.create(out, spec, opts, conf)) {
            try (ProgressBar bar = org.factorlab.shards.ProgressBars.forStderr(new ProgressBarBuilder().setTaskName("Rendering")
                    .setInitialMax(r.count()).setUnit(" img", 1).showSpeed()).build()) {
                r.read((Example e) -> {
                    w.accept(e);
                    bar.step();
                });
            }
            long t1 = System.nanoTime();
            m = w.commit(Provenance.of(configText(spec), seed, null));
            long t2 = System.nanoTime();
            System.err.printf("rendered %,d images in %.1f s (%.0f images/s), wrote %d shards in %.1f s%n", m.rows(),
                    (t1 - t0) / 1e9, m.rows() / ((t1 - t0) / 1e9), m.shards().size(), (t2 - t1) / 1e9);
        }
        long bytes = m.shards().stream().mapToLong(Manifest.Shard::bytes).sum();
        System.out.printf("%s: %,d rows, %d shards, %.1f MiB, manifest %s/%s%n", m.dataset(), m.rows(), m.shards().size(),
                bytes / 1048576.0, w(out), Manifest.FILE_NAME);
        return 0;
    }

    private static String w(URI u) {
        return u.toString().replaceAll("/$", "");
    }

    private String configText(DatasetSpec spec) {
        return "render " + kind + " --size " + size + " --seed " + seed + (kind == Kind.shapes3d ? " --samples " + samples : "")
                + factors.stream().map(f -> " --factor " + f).reduce("", String::concat)
                + "\nfactor sizes " + java.util.Arrays.toString(spec.factorSizes());
    }

    /** The renderer for a dataset kind, with factor restrictions given as {@code name=c1,c2} strings. */
    public static Renderer renderer(Kind kind, int size, int samples, List<String> factors, int threads) {
        return switch (kind) {
            case shapes3d -> new Shapes3DRenderer(size, samples,
                    FactorRestriction.parse(new Shapes3DRenderer(size, 1, null, 1).spec(), factors), threads);
            case dsprites -> new DSpritesRenderer(size, FactorRestriction.parse(new DSpritesRenderer(size, null, 1).spec(), factors), threads);
        };
    }
}
