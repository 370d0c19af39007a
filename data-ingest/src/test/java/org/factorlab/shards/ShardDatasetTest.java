package org.factorlab.shards;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.data.Batch;
import org.factorlab.data.BatchSource;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.Factor;
import org.factorlab.data.ImageShape;
import org.factorlab.ingest.Example;
import org.factorlab.provenance.Provenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ShardDatasetTest {
    static final Configuration CONF = new Configuration();

    @TempDir
    Path tmp;

    private ShardDataset toy(String name, long rowsPerShard) throws IOException {
        URI out = tmp.resolve(name).toUri();
        ShardWriterTest.writeToy(out, 5, rowsPerShard, false);
        return ShardDataset.open(out, CONF);
    }

    @Test
    void roundTripGivesTheSameBytesAndFactors() throws Exception {
        ShardDataset ds = toy("ds", 8);
        assertEquals(ShardWriterTest.SPEC, ds.spec());
        assertEquals(35, ds.rows());
        byte[] json = Files.readAllBytes(tmp.resolve("ds").resolve(Manifest.FILE_NAME));
        assertEquals(java.util.HexFormat.of().formatHex(java.security.MessageDigest.getInstance("SHA-256").digest(json)), ds.manifestSha256());
        ds.verify();
        Set<Long> seen = new HashSet<>();
        for (var it = ds.examples(ds.all()); it.hasNext(); ) {
            Example e = it.next();
            Example want = ShardWriterTest.example(e.index());
            assertArrayEquals(want.image(), e.image());
            assertArrayEquals(want.factors(), e.factors());
            assertTrue(seen.add(e.index()));
        }
        assertEquals(35, seen.size());
        FactorTable t = ds.factorTable();
        assertTrue(t.isFullGrid());
        for (int i = 0; i < t.size(); i++) {
            assertEquals(i, t.index(i));
            assertArrayEquals(ds.spec().grid().classes(i), t.factors(i));
        }
    }

    @Test
    void attributesAndDatasetsWithoutFactorsRoundTrip() throws Exception {
        DatasetSpec spec = new DatasetSpec("faces", List.of(), ImageShape.square(2, 3), List.of("Smiling", "split"));
        URI out = tmp.resolve("faces").toUri();
        try (ShardWriter w = ShardWriter.create(out, spec, ShardWriter.Options.defaults().withRowsPerShard(4), CONF)) {
            for (int i = 0; i < 10; i++) w.accept(new Example(100 + i, new byte[12], null, new int[]{i % 2, i % 3}));
            w.commit(Provenance.of("x", 0, null));
        }
        ShardDataset ds = ShardDataset.open(out, CONF);
        FactorTable t = ds.factorTable();
        assertEquals(10, t.size());
        for (int i = 0; i < 10; i++) {
            assertEquals(100 + i, t.index(i));
            assertArrayEquals(new int[]{i % 2, i % 3}, t.attributes(i));
        }
        Batch b = ds.batches(3, 1).next();
        assertArrayEquals(new long[]{3, 3, 2, 2}, b.images().shape());
        assertEquals(0, b.factors()[0].length);
    }

    @Test
    void batchesAreImagesInMinusOneToOneWithTheirFactors() throws Exception {
        ShardDataset ds = toy("ds", 8);
        try (BatchSource src = ds.batches(7, 42)) {
            ShardBatchSource s = (ShardBatchSource) src;
            Set<Long> epoch0 = new HashSet<>();
            for (int n = 0; n < 5; n++) {
                Batch b = src.next();
                assertArrayEquals(new long[]{7, 3, 4, 4}, b.images().shape());
                long[] idx = s.lastIndices();
                for (int i = 0; i < 7; i++) {
                    epoch0.add(idx[i]);
                    assertArrayEquals(ds.spec().grid().classes(idx[i]), b.factors()[i]);
                    byte[] img = ShardWriterTest.example(idx[i]).image();
                    // pixel (y=1, x=2), channel 2 of a HWC 4x4x3 image
                    int v = img[(1 * 4 + 2) * 3 + 2] & 0xFF;
                    assertEquals(v / 127.5f - 1f, b.images().getFloat(i, 2, 1, 2), 1e-6);
                }
            }
            assertEquals(35, epoch0.size(), "one epoch of 35 rows visits every row once");
            assertEquals(0, s.epoch());
            assertTrue(b2f(src.next()) >= -1f);
            assertEquals(1, s.epoch());
        }
    }

    private static float b2f(Batch b) {
        return b.images().minNumber().floatValue();
    }

    @Test
    void sameSeedSameStreamAndEpochsDiffer() throws Exception {
        ShardDataset ds = toy("ds", 8);
        List<Long> a = stream(ds, 11, 70), b = stream(ds, 11, 70), c = stream(ds, 12, 70);
        assertEquals(a, b);
        assertNotEquals(a, c);
        assertNotEquals(a.subList(0, 35), a.subList(35, 70), "epochs are reshuffled");
        assertEquals(new HashSet<>(a.subList(0, 35)), new HashSet<>(a.subList(35, 70)));
    }

    private static List<Long> stream(ShardDataset ds, long seed, int n) {
        List<Long> out = new ArrayList<>();
        try (BatchSource src = ds.batches(5, seed)) {
            while (out.size() < n) {
                src.next();
                for (long i : ((ShardBatchSource) src).lastIndices()) out.add(i);
            }
        }
        return out;
    }

    @Test
    void workersGetEqualDisjointRowPartitionsAndShardSets() throws Exception {
        ShardDataset ds = toy("ds", 8); // shards of 8, 8, 8, 8, 3
        Set<Long> union = new HashSet<>();
        for (int w = 0; w < 4; w++) {
            ShardDataset.Selection sel = ds.rowPartition(w, 4);
            assertEquals(8, sel.rows());
            for (var it = ds.examples(sel); it.hasNext(); ) assertTrue(union.add(it.next().index()));
            try (BatchSource src = ds.batches(sel, 4, 1)) {
                Set<Long> mine = new HashSet<>();
                for (int n = 0; n < 2; n++) {
                    src.next();
                    for (long i : ((ShardBatchSource) src).lastIndices()) mine.add(i);
                }
                Set<Long> expected = new HashSet<>();
                ds.examples(sel).forEachRemaining(e -> expected.add(e.index()));
                assertEquals(expected, mine);
            }
        }
        assertEquals(32, union.size());
        assertEquals(List.of(0, 2, 4), ds.shardPartition(0, 2).ranges().stream().map(ShardDataset.Range::shard).toList());
        assertEquals(16, ds.shardPartition(1, 2).rows());
        assertThrows(IllegalArgumentException.class, () -> ds.rowPartition(4, 4));
    }

    @Test
    void scanCoversEveryRowWithItsIndex() throws Exception {
        ShardDataset ds = toy("ds", 8);
        Map<Long, Float> first = new HashMap<>();
        int batches = 0;
        for (var it = ds.scan(ds.all(), 16); it.hasNext(); batches++) {
            ShardDataset.IndexedBatch b = it.next();
            for (int i = 0; i < b.indices().length; i++) first.put(b.indices()[i], b.batch().images().getFloat(i, 0, 0, 0));
        }
        assertEquals(3, batches);
        assertEquals(35, first.size());
        for (var e : first.entrySet())
            assertEquals((ShardWriterTest.example(e.getKey()).image()[0] & 0xFF) / 127.5f - 1f, e.getValue(), 1e-6);
    }

    @Test
    void corruptShardIsReportedByName() throws Exception {
        ShardDataset ds = toy("ds", 8);
        String victim = ds.manifest().shards().get(2).file();
        Path p = tmp.resolve("ds").resolve(victim);
        Files.deleteIfExists(tmp.resolve("ds").resolve("." + victim + ".crc")); // let the local FS read the changed bytes
        try (RandomAccessFile f = new RandomAccessFile(p.toFile(), "rw")) {
            f.seek(f.length() / 2);
            int b = f.read();
            f.seek(f.length() / 2);
            f.write(b ^ 0x40);
        }
        CorruptShardException e = assertThrows(CorruptShardException.class, ds::verify);
        assertEquals(victim, e.shard());
        assertTrue(e.getMessage().contains(victim) && e.getMessage().contains("SHA-256"), e.getMessage());
        // reading the shard fails the same way
        var it = ds.examples(ds.all());
        Exception read = assertThrows(Exception.class, () -> it.forEachRemaining(x -> { }));
        assertTrue(read.getMessage().contains(victim), read.getMessage());
    }

    @Test
    void missingShardIsReportedByName() throws Exception {
        ShardDataset ds = toy("ds", 8);
        String victim = ds.manifest().shards().get(0).file();
        Files.delete(tmp.resolve("ds").resolve(victim));
        CorruptShardException e = assertThrows(CorruptShardException.class, ds::verify);
        assertEquals(victim, e.shard());
    }

    @Test
    void writeWithoutCommitLeavesNoDataset() throws Exception {
        URI out = tmp.resolve("broken").toUri();
        try (ShardWriter w = ShardWriter.create(out, ShardWriterTest.SPEC, ShardWriter.Options.defaults(), CONF)) {
            w.accept(ShardWriterTest.example(0));
            // closed without commit: interrupted
        }
        assertThrows(MissingDatasetException.class, () -> ShardDataset.open(out, CONF));
        // a directory with shards but without the manifest (killed before the manifest rename) is no dataset either
        toy("ds", 8);
        Files.delete(tmp.resolve("ds").resolve(Manifest.FILE_NAME));
        MissingDatasetException e = assertThrows(MissingDatasetException.class, () -> ShardDataset.open(tmp.resolve("ds").toUri(), CONF));
        assertTrue(e.getMessage().contains(Manifest.FILE_NAME));
        // and writing there again completes it
        ShardWriterTest.writeToy(tmp.resolve("ds").toUri(), 5, 8, false);
        assertEquals(35, ShardDataset.open(tmp.resolve("ds").toUri(), CONF).rows());
    }

    @Test
    void rewritingTheSameDatasetIsIdempotent() throws Exception {
        ShardDataset ds = toy("ds", 8);
        byte[] manifest = Files.readAllBytes(tmp.resolve("ds").resolve(Manifest.FILE_NAME));
        Manifest again = ShardWriterTest.writeToy(tmp.resolve("ds").toUri(), 5, 8, true);
        assertTrue(again.sameDataset(ds.manifest()));
        assertArrayEquals(manifest, Files.readAllBytes(tmp.resolve("ds").resolve(Manifest.FILE_NAME)), "existing dataset left untouched");
        ShardDataset.open(tmp.resolve("ds").toUri(), CONF).verify();
    }

    @Test
    void outputHoldingADifferentDatasetIsRefused() throws Exception {
        toy("ds", 8);
        URI out = tmp.resolve("ds").toUri();
        DatasetSpec other = new DatasetSpec("other", List.of(Factor.ofClasses("a", 3)), ImageShape.square(4, 3));
        var e = assertThrows(DatasetConflictException.class, () -> ShardWriter.create(out, other, ShardWriter.Options.defaults().withSeed(5).withRowsPerShard(8), CONF));
        assertTrue(e.getMessage().contains("different dataset"), e.getMessage());
        // same spec, different seed
        assertThrows(DatasetConflictException.class, () -> ShardWriterTest.writeToy(out, 6, 8, false));
        // same spec and seed, different content: refused at commit, existing dataset kept
        try (ShardWriter w = ShardWriter.create(out, ShardWriterTest.SPEC, ShardWriter.Options.defaults().withSeed(5).withRowsPerShard(8), CONF)) {
            for (long i = 0; i < 35; i++) {
                Example x = ShardWriterTest.example(i);
                x.image()[0] ^= (byte) (i == 17 ? 1 : 0);
                w.accept(x);
            }
            var c = assertThrows(DatasetConflictException.class, () -> w.commit(Provenance.of("x", 5, null)));
            assertTrue(c.getMessage().contains("differs"), c.getMessage());
        }
        ShardDataset.open(out, CONF).verify();
        // a directory with unrelated files
        Files.createDirectories(tmp.resolve("mine"));
        Files.writeString(tmp.resolve("mine").resolve("notes.txt"), "x");
        var u = assertThrows(DatasetConflictException.class, () -> ShardWriter.create(tmp.resolve("mine").toUri(), ShardWriterTest.SPEC, ShardWriter.Options.defaults(), CONF));
        assertTrue(u.getMessage().contains("notes.txt"), u.getMessage());
    }

    @Test
    void badExamplesAreRejectedWithTheField() throws Exception {
        try (ShardWriter w = ShardWriter.create(tmp.resolve("bad").toUri(), ShardWriterTest.SPEC, ShardWriter.Options.defaults(), CONF)) {
            var e1 = assertThrows(IllegalArgumentException.class, () -> w.accept(new Example(0, new byte[3], new int[]{0, 0}, null)));
            assertTrue(e1.getMessage().contains("[image]"), e1.getMessage());
            var e2 = assertThrows(IllegalArgumentException.class, () -> w.accept(new Example(1, new byte[48], new int[]{0, 0}, null)));
            assertTrue(e2.getMessage().contains("[index]"), e2.getMessage());
            var e3 = assertThrows(IllegalArgumentException.class, () -> w.accept(new Example(0, new byte[48], new int[]{9, 0}, null)));
            assertTrue(e3.getMessage().contains("[a]"), e3.getMessage());
            w.accept(ShardWriterTest.example(3));
            w.accept(ShardWriterTest.example(3));
            var dup = assertThrows(IllegalArgumentException.class, () -> w.commit(Provenance.of("x", 0, null)));
            assertTrue(dup.getMessage().contains("index 3"), dup.getMessage());
        }
        assertThrows(MissingDatasetException.class, () -> ShardDataset.open(tmp.resolve("bad").toUri(), CONF));
    }

    @Test
    void manifestErrorsNameTheField() throws Exception {
        toy("ds", 8);
        Path mf = tmp.resolve("ds").resolve(Manifest.FILE_NAME);
        String json = Files.readString(mf);
        Files.delete(tmp.resolve("ds").resolve("." + Manifest.FILE_NAME + ".crc"));
        Files.writeString(mf, json.replaceFirst("\"rows\" : 35", "\"rows\" : 36"));
        var e = assertThrows(org.factorlab.ingest.InvalidInputException.class, () -> ShardDataset.open(tmp.resolve("ds").toUri(), CONF));
        assertEquals("rows", e.field());
        assertTrue(e.getMessage().contains(Manifest.FILE_NAME), e.getMessage());
    }
}
