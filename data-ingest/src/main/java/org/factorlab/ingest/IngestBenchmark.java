package org.factorlab.ingest;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.stream.Stream;
import java.util.zip.Deflater;
import java.util.zip.ZipEntry;
import java.util.zip.ZipOutputStream;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.cli.BenchmarkCommand;
import org.factorlab.data.KnownDataset;
import org.factorlab.shards.Manifest;
import org.factorlab.shards.ShardWriter;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code factorlab bench ingest}: h5 -> shards throughput on a generated 3dshapes-format file, and peak heap while
 * streaming an MPI3D-sized npz in a child JVM capped at -Xmx1g. Prints figures; asserts nothing.
 */
@Command(name = "ingest", mixinStandardHelpOptions = true, sortOptions = false,
        description = {"Benchmarks ingest: Shapes3D h5 -> shards images/s, and peak heap while streaming an MPI3D-sized npz.",
                "The h5 is written by /usr/bin/python3 with h5py (bundled script make_3dshapes_h5.py) unless --h5 names one;",
                "the MPI3D npz is written here with java.util.zip (stored like numpy.savez, or deflated with --mpi3d-compressed)."})
public final class IngestBenchmark implements BenchmarkCommand, Callable<Integer> {
    @Option(names = "--images", defaultValue = "48000", description = "Images in the generated h5 (default ${DEFAULT-VALUE}).")
    int images;

    @Option(names = "--chunk-rows", defaultValue = "1", description = "Rows per gzip chunk of the generated h5 (default ${DEFAULT-VALUE}).")
    int chunkRows;

    @Option(names = "--h5", description = "Use this existing 3dshapes-format h5 instead of generating one.")
    Path h5;

    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with numpy and h5py for the generator.")
    String python;

    @Option(names = "--threads", description = "Decode / writer threads (default: all cores).")
    int threads = Runtime.getRuntime().availableProcessors();

    @Option(names = "--zstd-level", defaultValue = "1", description = "Parquet zstd level of the shards (default ${DEFAULT-VALUE}, as ingest).")
    int zstdLevel;

    @Option(names = "--warmup", defaultValue = "1", description = "Untimed read passes before the timed ones (JIT warm-up; default ${DEFAULT-VALUE}).")
    int warmup;

    @Option(names = "--mpi3d-images", defaultValue = "1036800", description = "Images in the generated MPI3D npz (1036800 or 460800).")
    int mpi3dImages;

    @Option(names = "--mpi3d-mode", defaultValue = "read", description = "read: stream through the reader; ingest: reader -> shard writer -> shards (needs ~2x the raw size on disk).")
    String mpi3dMode;

    @Option(names = "--mpi3d-compressed", description = "Write the npz deflated (as numpy.savez_compressed) instead of stored (as numpy.savez, like the released files).")
    boolean mpi3dCompressed;

    @Option(names = "--heap", defaultValue = "1g", description = "-Xmx of the MPI3D child JVM (default ${DEFAULT-VALUE}).")
    String heap;

    @Option(names = "--skip-h5", description = "Skip the h5 part.")
    boolean skipH5;

    @Option(names = "--skip-mpi3d", description = "Skip the MPI3D heap part.")
    boolean skipMpi3d;

    @Option(names = "--work-dir", description = "Scratch folder (default: a new temp folder, removed afterwards).")
    Path workDir;

    @Override
    public Integer call() throws Exception {
        Path work = workDir != null ? Files.createDirectories(workDir) : Files.createTempDirectory("factorlab-bench-ingest-");
        System.out.printf(Locale.ROOT, "bench ingest: %d cores available, %d threads, scratch %s%n",
                Runtime.getRuntime().availableProcessors(), threads, work);
        try {
            if (!skipH5) benchH5(work);
            if (!skipMpi3d) benchMpi3d(work);
        } finally {
            if (workDir == null) deleteTree(work);
        }
        return 0;
    }

    private void benchH5(Path work) throws Exception {
        Path file = h5;
        if (file == null) {
            file = work.resolve("3dshapes_bench.h5");
            Path script = work.resolve("make_3dshapes_h5.py");
            try (InputStream in = IngestBenchmark.class.getResourceAsStream("make_3dshapes_h5.py")) {
                Files.copy(in, script);
            }
            long t = System.nanoTime();
            Process p = new ProcessBuilder(python, script.toString(), file.toString(), Integer.toString(images), Integer.toString(chunkRows))
                    .inheritIO().start();
            if (p.waitFor() != 0)
                throw new IOException(python + " could not write the benchmark h5 (needs numpy and h5py); pass --h5 <3dshapes-format file>");
            System.out.printf(Locale.ROOT, "h5: generated %s (%d images, chunks of %d rows, %,d bytes) in %.1f s with %s%n",
                    file, images, chunkRows, Files.size(file), (System.nanoTime() - t) / 1e9, python);
        }
        var opts = ReadOptions.defaults().withThreads(threads);
        // 1. reader alone (raw chunk reads + inflate on the decode threads), after warm-up passes
        for (int w = 0; w < warmup; w++)
            try (var r = new Shapes3dReader(file, opts)) {
                r.read(e -> { });
            }
        long n;
        long c0 = cpuNanos();
        long t0 = System.nanoTime();
        try (var r = new Shapes3dReader(file, opts)) {
            n = r.count();
            long[] sum = {0};
            r.read(e -> sum[0] += e.image()[100]);
        }
        double readS = (System.nanoTime() - t0) / 1e9, readCpu = (cpuNanos() - c0) / 1e9;
        System.out.printf(Locale.ROOT, "h5 read only: %,d images in %.2f s = %,.0f images/s; process CPU %.2f s = %,.0f images per CPU-second%n",
                n, readS, n / readS, readCpu, n / readCpu);
        // 2. the full ingest: reader -> shuffle spill -> Parquet+zstd shards + manifest on file://
        Path out = work.resolve("shards-shapes3d");
        var wopts = ShardWriter.Options.defaults().withThreads(threads).withSpillDir(work.resolve("spill")).withZstdLevel(zstdLevel);
        c0 = cpuNanos();
        t0 = System.nanoTime();
        Manifest m;
        try (var r = new Shapes3dReader(file, opts)) {
            m = IngestCommand.ingest(r, out.toUri(), wopts, new Configuration(), "bench ingest", false, System.out);
        }
        double s = (System.nanoTime() - t0) / 1e9, cpu = (cpuNanos() - c0) / 1e9;
        long bytes = m.shards().stream().mapToLong(Manifest.Shard::bytes).sum();
        System.out.printf(Locale.ROOT, "h5 -> shards (zstd %d): %,d images in %.2f s = %,.0f images/s (%d shards, %,d bytes, target >= 10,000 images/s)%n",
                zstdLevel, m.rows(), s, m.rows() / s, m.shards().size(), bytes);
        System.out.printf(Locale.ROOT, "h5 -> shards: process CPU %.2f s = %,.0f images per CPU-second (%,.0f images/s on %d fully available cores if it scales; "
                + "load average now %.1f)%n", cpu, m.rows() / cpu, threads * m.rows() / cpu, threads,
                java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage());
        deleteTree(out);
    }

    private void benchMpi3d(Path work) throws Exception {
        Mpi3dReader.layoutForCount("--mpi3d-images", mpi3dImages);
        Path npz = work.resolve("mpi3d_bench.npz");
        long t = System.nanoTime();
        writeNpz(npz, mpi3dImages, mpi3dCompressed);
        System.out.printf(Locale.ROOT, "mpi3d: wrote %s (%s, %,d images, %,d raw bytes, %,d on disk) in %.1f s%n", npz, mpi3dCompressed ? "deflated" : "stored", mpi3dImages,
                (long) mpi3dImages * 12288, Files.size(npz), (System.nanoTime() - t) / 1e9);
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        List<String> cmd = new ArrayList<>(List.of(java, "-Xmx" + heap, "-cp", System.getProperty("java.class.path"),
                "-Dorg.slf4j.simpleLogger.defaultLogLevel=warn", HeapProbe.class.getName(), mpi3dMode, npz.toString(),
                work.resolve("shards-mpi3d").toUri().toString(), Integer.toString(threads), work.resolve("spill").toString()));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).start();
        String result = null;
        try (var lines = new java.io.BufferedReader(new java.io.InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = lines.readLine()) != null; ) {
                if (line.startsWith(HeapProbe.RESULT)) result = line;
                else System.out.println("  | " + line);
            }
        }
        int code = p.waitFor();
        if (code != 0 || result == null) throw new IOException("MPI3D heap probe failed (exit " + code + ") under -Xmx" + heap);
        var f = new java.util.HashMap<String, String>();
        for (String kv : result.split(" ")) if (kv.contains("=")) f.put(kv.substring(0, kv.indexOf('=')), kv.substring(kv.indexOf('=') + 1));
        long imgs = Long.parseLong(f.get("images"));
        double secs = Double.parseDouble(f.get("seconds"));
        System.out.printf(Locale.ROOT, "mpi3d %s under -Xmx%s: %,d images in %.1f s = %,.0f images/s; peak heap %,d MiB (sum of heap pool peaks), max heap %,d MiB (target <= 1024 MiB)%n",
                mpi3dMode, heap, imgs, secs, imgs / secs, Long.parseLong(f.get("peakHeapBytes")) >> 20, Long.parseLong(f.get("maxHeapBytes")) >> 20);
        Files.deleteIfExists(npz);
    }

    /**
     * An npz holding {@code images} (n, 64, 64, 3) uint8, written as numpy.savez does (one stored, uncompressed zip64
     * entry) or, with {@code deflate}, as numpy.savez_compressed does. Streamed: the array never sits in memory. A
     * stored entry needs its CRC up front, so the images are generated twice (they are cheap).
     */
    static void writeNpz(Path file, int n, boolean deflate) throws IOException {
        String dict = "{'descr': '|u1', 'fortran_order': False, 'shape': (" + n + ", 64, 64, 3), }";
        int pad = (64 - (10 + dict.length() + 1) % 64) % 64;
        byte[] dictBytes = (dict + " ".repeat(pad) + "\n").getBytes(StandardCharsets.ISO_8859_1);
        ByteBuffer h = ByteBuffer.allocate(10).order(ByteOrder.LITTLE_ENDIAN);
        h.put((byte) 0x93).put("NUMPY".getBytes(StandardCharsets.ISO_8859_1)).put((byte) 1).put((byte) 0).putShort((short) dictBytes.length);
        byte[] header = h.array();
        byte[] img = new byte[64 * 64 * 3];
        ZipEntry entry = new ZipEntry(Mpi3dReader.IMAGES + ".npy");
        if (!deflate) {
            var crc = new java.util.zip.CRC32();
            crc.update(header);
            crc.update(dictBytes);
            for (int i = 0; i < n; i++) crc.update(benchImage(i, img));
            long size = header.length + dictBytes.length + (long) n * img.length;
            entry.setMethod(ZipEntry.STORED);
            entry.setSize(size);
            entry.setCompressedSize(size);
            entry.setCrc(crc.getValue());
        }
        try (OutputStream raw = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20);
             ZipOutputStream zip = new ZipOutputStream(raw)) {
            zip.setLevel(Deflater.BEST_SPEED);
            zip.putNextEntry(entry);
            zip.write(header);
            zip.write(dictBytes);
            for (int i = 0; i < n; i++) zip.write(benchImage(i, img));
            zip.closeEntry();
        }
    }

    /** Image {@code i} of the generated MPI3D stand-in: a background ramp and a block that moves with i. */
    private static byte[] benchImage(int i, byte[] img) {
        int bg = (i * 7) & 0xff, bx = i % 40 + 12, by = i / 40 % 40 + 12;
        for (int y = 0; y < 64; y++)
            for (int x = 0; x < 64; x++) {
                int p = 3 * (y * 64 + x);
                boolean block = Math.abs(x - bx) < 6 && Math.abs(y - by) < 6;
                img[p] = (byte) (block ? 250 : bg + y);
                img[p + 1] = (byte) (block ? 40 : 90 + x);
                img[p + 2] = (byte) (i >> 12);
            }
        return img;
    }

    private static long cpuNanos() {
        return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
    }

    private static void deleteTree(Path p) throws IOException {
        if (!Files.exists(p)) return;
        try (Stream<Path> s = Files.walk(p)) {
            for (Path q : s.sorted(Comparator.reverseOrder()).toList()) Files.deleteIfExists(q);
        }
    }
}
