package org.factorlab.shards;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.LongStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.parquet.example.data.Group;
import org.apache.parquet.hadoop.ParquetReader;
import org.apache.parquet.hadoop.example.GroupReadSupport;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.Factor;
import org.factorlab.data.ImageShape;
import org.factorlab.ingest.Example;
import org.factorlab.provenance.Provenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardWriterTest {
    static final DatasetSpec SPEC = new DatasetSpec("toy", List.of(Factor.linspace("a", 5, 0.5, 1.5), Factor.ofClasses("b", 7)),
            ImageShape.square(4, 3));

    @TempDir
    Path tmp;

    static Example example(long i) {
        byte[] img = new byte[SPEC.imageShape().bytes()];
        for (int j = 0; j < img.length; j++) img[j] = (byte) (i * 31 + j);
        return new Example(i, img, SPEC.grid().classes(i), null);
    }

    static Manifest writeToy(URI out, long seed, long rowsPerShard, boolean reverse) throws IOException {
        var opts = ShardWriter.Options.defaults().withSeed(seed).withRowsPerShard(rowsPerShard).withThreads(2);
        try (ShardWriter w = ShardWriter.create(out, SPEC, opts, new Configuration())) {
            long n = SPEC.grid().count();
            // two threads, arrival order differs from run to run
            Thread t = new Thread(() -> LongStream.range(0, n).filter(i -> i % 2 == 0).forEach(i -> accept(w, reverse ? n - 1 - i : i)));
            t.start();
            LongStream.range(0, n).filter(i -> i % 2 == 1).forEach(i -> accept(w, reverse ? n - 1 - i : i));
            t.join();
            return w.commit(Provenance.of("test", seed, null));
        } catch (InterruptedException e) {
            throw new AssertionError(e);
        }
    }

    private static void accept(ShardWriter w, long i) {
        try {
            w.accept(example(i));
        } catch (IOException e) {
            throw new java.io.UncheckedIOException(e);
        }
    }

    @Test
    void writesShuffledShardsAndManifestThatParquetReads() throws Exception {
        URI out = tmp.resolve("ds").toUri();
        Manifest m = writeToy(out, 11, 10, false);
        assertEquals(35, m.rows());
        assertEquals(4, m.shards().size());
        assertEquals(List.of(10L, 10L, 10L, 5L), m.shards().stream().map(Manifest.Shard::rows).toList());
        assertTrue(Files.exists(tmp.resolve("ds").resolve(Manifest.FILE_NAME)));
        List<Long> order = new ArrayList<>();
        for (Manifest.Shard s : m.shards()) {
            var path = new org.apache.hadoop.fs.Path(tmp.resolve("ds").resolve(s.file()).toUri());
            try (ParquetReader<Group> r = ParquetReader.builder(new GroupReadSupport(), path).build()) {
                for (Group g; (g = r.read()) != null; ) {
                    long i = g.getLong("index", 0);
                    order.add(i);
                    int[] c = SPEC.grid().classes(i);
                    assertEquals(c[0], g.getInteger("a", 0));
                    assertEquals(c[1], g.getInteger("b", 0));
                    assertEquals(0.5 + 0.25 * c[0], g.getDouble("a_value", 0), 1e-12);
                    assertEquals(c[1], g.getDouble("b_value", 0));
                    assertArrayEquals(example(i).image(), g.getBinary("image", 0).getBytes());
                }
            }
        }
        assertEquals(LongStream.range(0, 35).boxed().toList(), order.stream().sorted().toList());
        assertNotEquals(order.stream().sorted().toList(), order, "rows must be shuffled");
        // the order is the sort by shuffle key
        List<Long> byKey = LongStream.range(0, 35).boxed()
                .sorted((x, y) -> Long.compareUnsigned(ShardWriter.shuffleKey(11, x), ShardWriter.shuffleKey(11, y))).toList();
        assertEquals(byKey, order);
        // no temporary leftovers
        try (var files = Files.list(tmp.resolve("ds"))) {
            assertTrue(files.map(p -> p.getFileName().toString()).filter(n -> !n.endsWith(".crc")).allMatch(n -> n.equals(Manifest.FILE_NAME) || n.matches("part-\\d{5}\\.parquet")));
        }
    }

    @Test
    void sameSeedSameBytesWhateverTheArrivalOrder() throws Exception {
        Manifest a = writeToy(tmp.resolve("a").toUri(), 3, 8, false);
        Manifest b = writeToy(tmp.resolve("b").toUri(), 3, 8, true);
        assertEquals(a.shards(), b.shards());
        Manifest c = writeToy(tmp.resolve("c").toUri(), 4, 8, false);
        assertNotEquals(a.shards(), c.shards());
    }
}
