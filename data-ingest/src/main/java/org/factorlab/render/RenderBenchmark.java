package org.factorlab.render;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.cli.BenchmarkCommand;
import org.factorlab.data.Batch;
import org.factorlab.data.BatchSource;
import org.factorlab.ingest.Example;
import org.factorlab.provenance.Provenance;
import org.factorlab.shards.Manifest;
import org.factorlab.shards.ShardDataset;
import org.factorlab.shards.ShardWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code factorlab bench render}: render throughput, shard-write throughput and shard-read throughput, as wall time
 * and as process CPU time (this machine may be shared; CPU seconds / cores is the time on dedicated cores).
 */
@Command(name = "render", mixinStandardHelpOptions = true,
        description = {"Render throughput (and the extrapolated time for the full 480,000-image Shapes3D grid),",
                "shard-write and shard-read throughput. --full renders the whole grid into a file:// temp dir."})
public final class RenderBenchmark implements Callable<Integer>, BenchmarkCommand {
    @Option(names = "--dataset", defaultValue = "shapes3d", description = "shapes3d or dsprites (default ${DEFAULT-VALUE}).")
    RenderCommand.Kind kind;

    @Option(names = "--size", defaultValue = "64", description = "Image size (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--samples", defaultValue = "4", description = "shapes3d antialiasing rays per pixel axis (default ${DEFAULT-VALUE}).")
    int samples;

    @Option(names = "--threads", description = "Threads (default: all cores).")
    Integer threads;

    @Option(names = "--fraction", defaultValue = "2",
            description = "Render 1/15 x this many orientation values of shapes3d (dsprites: of 40) for the rate (default ${DEFAULT-VALUE}).")
    int fraction;

    @Option(names = "--full", description = "Render the full grid into shards under --dir and time it end to end.")
    boolean full;

    @Option(names = "--dir", description = "Local parent directory for the benchmark's shards (default: java.io.tmpdir).")
    Path dir;

    @Option(names = "--keep", description = "Keep the written shards.")
    boolean keep;

    @Override
    public Integer call() throws IOException {
        int t = threads != null ? threads : Runtime.getRuntime().availableProcessors();
        int cores = Runtime.getRuntime().availableProcessors();
        Path parent = dir != null ? dir : Path.of(System.getProperty("java.io.tmpdir"));
        Files.createDirectories(parent);
        Path work = Files.createTempDirectory(parent, "factorlab-bench-");
        try {
            Renderer fullGrid = RenderCommand.renderer(kind, size, samples, List.of(), t);
            long fullCount = fullGrid.count();
            String ori = "orientation=" + String.join(",", range(Math.min(fraction, kind == RenderCommand.Kind.shapes3d ? 15 : 40)));
            Renderer part = RenderCommand.renderer(kind, size, samples, List.of(ori), t);
            System.out.printf("bench render: %s %dx%d, %d threads on %d cores, %s%n", kind, size, size, t, cores,
                    kind == RenderCommand.Kind.shapes3d ? samples * samples + " rays/pixel" : "binary sprites");

            // warm-up (JIT), then the timed render into a sink that only counts
            Renderer warm = RenderCommand.renderer(kind, size, samples, List.of("orientation=0"), t);
            collect(warm, 2000);
            Timer tr = Timer.start();
            AtomicLong n = new AtomicLong();
            part.read(e -> n.incrementAndGet());
            Timer.Span render = tr.stop();
            double perImageCpu = render.cpuSeconds() / n.get();
            System.out.printf("render      %,9d images  %7.2f s wall  %7.2f s CPU  %,8.0f images/s  (%,.0f images per CPU-second)%n",
                    n.get(), render.wallSeconds(), render.cpuSeconds(), n.get() / render.wallSeconds(), 1 / perImageCpu);
            System.out.printf("            full %,d-image grid: %.0f s at this wall rate; %.0f s on 2 dedicated cores (CPU time / 2)%n",
                    fullCount, fullCount / (n.get() / render.wallSeconds()), fullCount * perImageCpu / 2);

            // render -> spill -> shards
            URI out = work.resolve("part").toUri();
            var opts = ShardWriter.Options.defaults().withSeed(1).withThreads(t).withExpectedRows(part.count()).withSpillDir(work);
            Manifest m;
            Timer ta = Timer.start();
            Timer.Span accept, commit;
            try (ShardWriter sw = ShardWriter.create(out, part.spec(), opts, new Configuration())) {
                part.read(sw);
                accept = ta.stop();
                Timer tc = Timer.start();
                m = sw.commit(Provenance.of("bench render", 1, null));
                commit = tc.stop();
            }
            long raw = m.rows() * part.spec().imageShape().bytes();
            long stored = m.shards().stream().mapToLong(Manifest.Shard::bytes).sum();
            double spillCpu = Math.max(0, accept.cpuSeconds() - render.cpuSeconds());
            System.out.printf("spill       %,9d images  %7.2f s wall  %7.2f s CPU (render + spill minus render)%n",
                    m.rows(), accept.wallSeconds(), spillCpu);
            System.out.printf("write       %,9d images  %7.2f s wall  %7.2f s CPU  %,8.0f images/s  %.0f MB/s raw; %.1f MiB raw -> %.1f MiB zstd (%.1fx), %d shards%n",
                    m.rows(), commit.wallSeconds(), commit.cpuSeconds(), m.rows() / commit.wallSeconds(),
                    raw / 1e6 / commit.wallSeconds(), raw / 1048576.0, stored / 1048576.0, (double) raw / stored, m.shards().size());
            double writeCpuPerImage = (spillCpu + commit.cpuSeconds()) / m.rows();
            System.out.printf("            full grid render + write on 2 dedicated cores (CPU time / 2): %.0f s%n",
                    fullCount * (perImageCpu + writeCpuPerImage) / 2);

            // read back
            ShardDataset ds = ShardDataset.open(out, new Configuration());
            Timer tv = Timer.start();
            ds.verify();
            Timer.Span verify = tv.stop();
            Timer te = Timer.start();
            long k = 0;
            for (var it = ds.examples(ds.all()); it.hasNext(); it.next()) k++;
            Timer.Span read = te.stop();
            System.out.printf("verify      %,9d images  %7.2f s wall  %.0f MB/s of shards%n", k, verify.wallSeconds(), stored / 1e6 / verify.wallSeconds());
            System.out.printf("read        %,9d images  %7.2f s wall  %7.2f s CPU  %,8.0f images/s (checksum + decode)%n",
                    k, read.wallSeconds(), read.cpuSeconds(), k / read.wallSeconds());
            int batches = (int) Math.min(200, Math.max(1, k / 64));
            try (BatchSource src = ds.batches(64, 1)) {
                src.next(); // loads ND4J
                Timer tb = Timer.start();
                for (int i = 0; i < batches; i++) {
                    Batch b = src.next();
                    if (b.size() != 64) throw new IllegalStateException("short batch");
                }
                Timer.Span bt = tb.stop();
                System.out.printf("batches     %,9d x 64     %7.2f s wall  %,8.0f images/s as [64, C, H, W] float tensors%n",
                        batches, bt.wallSeconds(), batches * 64 / bt.wallSeconds());
            }

            if (full) {
                URI fout = work.resolve("full").toUri();
                var fopts = ShardWriter.Options.defaults().withSeed(0).withThreads(t).withExpectedRows(fullCount).withSpillDir(work).withProgress(true);
                Timer tf = Timer.start();
                Manifest fm;
                try (ShardWriter sw = ShardWriter.create(fout, fullGrid.spec(), fopts, new Configuration())) {
                    fullGrid.read(sw);
                    fm = sw.commit(Provenance.of("bench render --full", 0, null));
                }
                Timer.Span f = tf.stop();
                System.out.printf("full        %,9d images  %7.2f s wall  %7.2f s CPU (%.0f s on 2 dedicated cores)  -> %s (%d shards, %.1f MiB)%n",
                        fm.rows(), f.wallSeconds(), f.cpuSeconds(), f.cpuSeconds() / 2, fout, fm.shards().size(),
                        fm.shards().stream().mapToLong(Manifest.Shard::bytes).sum() / 1048576.0);
            }
            return 0;
        } finally {
            if (!keep) deleteTree(work);
            else System.out.println("kept " + work);
        }
    }

    private static String[] range(int n) {
        String[] s = new String[n];
        for (int i = 0; i < n; i++) s[i] = Integer.toString(i);
        return s;
    }

    private static List<Example> collect(Renderer r, int max) throws IOException {
        List<Example> out = java.util.Collections.synchronizedList(new ArrayList<>());
        r.read(e -> {
            if (out.size() < max) out.add(e);
        });
        return out;
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (var s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }

    /** Wall and process CPU time of a span of work. */
    record Timer(long wall0, long cpu0) {
        record Span(double wallSeconds, double cpuSeconds) {
        }

        static Timer start() {
            return new Timer(System.nanoTime(), cpu());
        }

        Span stop() {
            return new Span((System.nanoTime() - wall0) / 1e9, (cpu() - cpu0) / 1e9);
        }

        private static long cpu() {
            var os = ManagementFactory.getOperatingSystemMXBean();
            return os instanceof com.sun.management.OperatingSystemMXBean s ? s.getProcessCpuTime() : 0;
        }
    }
}
