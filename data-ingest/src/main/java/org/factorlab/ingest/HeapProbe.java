package org.factorlab.ingest;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.URI;
import java.nio.file.Path;
import java.util.Locale;
import java.util.zip.CRC32;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.shards.ShardWriter;

/**
 * Child-JVM half of {@code factorlab bench ingest}: streams an MPI3D npz (mode {@code read}: through the reader
 * only; {@code ingest}: reader -> shard writer -> shards) under the heap limit the parent set (-Xmx1g) and prints
 * the peak heap use: the sum of every heap pool's peak, an upper bound on the true peak.
 */
final class HeapProbe {
    static final String RESULT = "HEAP_PROBE";

    private HeapProbe() {
    }

    public static void main(String[] args) throws Exception {
        String mode = args[0];
        Path npz = Path.of(args[1]);
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans()) p.resetPeakUsage();
        long t0 = System.nanoTime();
        long images;
        var crc = new CRC32();
        try (var reader = new Mpi3dReader(npz)) {
            if (mode.equals("read")) {
                long[] n = {0};
                reader.read(e -> {
                    crc.update(e.image());
                    n[0]++;
                });
                images = n[0];
            } else {
                var opts = ShardWriter.Options.defaults().withThreads(Integer.parseInt(args[3]))
                        .withSpillDir(args.length > 4 ? Path.of(args[4]) : null);
                images = IngestCommand.ingest(reader, URI.create(args[2]), opts, new Configuration(), "bench ingest heap probe", false, System.out).rows();
            }
        }
        double s = (System.nanoTime() - t0) / 1e9;
        long peak = 0;
        for (MemoryPoolMXBean p : ManagementFactory.getMemoryPoolMXBeans())
            if (p.getType() == MemoryType.HEAP) peak += p.getPeakUsage().getUsed();
        System.out.printf(Locale.ROOT, "%s mode=%s images=%d seconds=%.1f peakHeapBytes=%d maxHeapBytes=%d crc=%08x%n",
                RESULT, mode, images, s, peak, Runtime.getRuntime().maxMemory(), crc.getValue());
    }
}
