package org.factorlab.shards;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.data.Batch;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.LatentSpec;
import org.factorlab.ingest.Example;
import org.factorlab.provenance.Provenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Latent shards: written task by task, published with the manifest last, read back with their latent and lineage. */
class LatentShardsTest {
    static final String SHA_A = "a".repeat(64), SHA_B = "b".repeat(64);

    @TempDir
    Path tmp;

    /** Row i's latent: [2, 1, 2] floats that encode the row. */
    static float[] latentOf(long i) {
        return new float[]{i, -i, 0.5f * i, i + 0.25f};
    }

    /** The toy image dataset as latent shards of 12 rows (in the source's stored order), with lineage {@code sha}. */
    Manifest writeLatents(URI src, URI out, String sha, String jobId, boolean commit) throws Exception {
        Configuration conf = new Configuration();
        ShardDataset ds = ShardDataset.open(src, conf);
        LatentSpec l = new LatentSpec(List.of(2, 1, 2), "/ckpt/vq.zip", sha, src.toString(), ds.manifestSha256());
        DatasetSpec spec = ds.spec().withLatent(l);
        LatentShards.prepare(out, conf);
        List<Manifest.Shard> shards = new ArrayList<>();
        for (int s = 0; s * 12L < ds.rows(); s++) {
            Iterator<Example> rows = ds.examples(ds.rowRange(s * 12L, Math.min(ds.rows(), (s + 1) * 12L)));
            Iterator<Example> withLatent = new Iterator<>() {
                public boolean hasNext() {
                    return rows.hasNext();
                }

                public Example next() {
                    Example e = rows.next();
                    return e.withLatent(latentOf(e.index()));
                }
            };
            shards.add(LatentShards.writeShard(out, jobId, s, spec, withLatent, conf));
        }
        return commit ? LatentShards.commit(out, jobId, spec, 12, ds.manifest().shuffleSeed(), shards, Provenance.of("t", 0, null), conf) : null;
    }

    @Test
    void rowsKeepEverythingGainTheirLatentAndTheManifestNamesTheLineage() throws Exception {
        URI src = tmp.resolve("images").toUri(), out = tmp.resolve("latents").toUri();
        ShardWriterTest.writeToy(src, 3, 10, false);
        Manifest m = writeLatents(src, out, SHA_A, "job1", true);
        assertEquals(List.of(12L, 12L, 11L), m.shards().stream().map(Manifest.Shard::rows).toList());
        ShardDataset image = ShardDataset.open(src, new Configuration()), lat = ShardDataset.open(out, new Configuration());
        assertEquals(SHA_A, lat.spec().latent().firstStageSha256());
        assertEquals(image.manifestSha256(), lat.spec().latent().sourceManifestSha256());
        assertTrue(Files.readString(tmp.resolve("latents").resolve(Manifest.FILE_NAME)).contains("\"firstStageSha256\" : \"" + SHA_A + "\""));
        assertFalse(Files.readString(tmp.resolve("images").resolve(Manifest.FILE_NAME)).contains("latent"),
                "image-only manifests are unchanged by the latent field");
        lat.verifyContent();
        Iterator<Example> a = image.examples(image.all()), b = lat.examples(lat.all());
        while (a.hasNext()) {
            Example x = a.next(), y = b.next();
            assertEquals(x.index(), y.index());
            assertArrayEquals(x.image(), y.image());
            assertArrayEquals(x.factors(), y.factors());
            assertArrayEquals(latentOf(x.index()), y.latent());
            assertNull(x.latent());
        }
        var it = lat.scan(lat.rowRange(0, 3), 3);
        var ib = it.next();
        Batch batch = ib.batch();
        assertArrayEquals(new long[]{3, 2, 1, 2}, batch.latents().shape());
        assertArrayEquals(latentOf(ib.indices()[1]), batch.latents().get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)).dup('c').data().asFloat());
        // the factor table still reads without images or latents
        assertEquals(35, lat.factorTable().indices().length);
        // the same job again keeps the dataset; another first stage's latents are refused
        String before = lat.manifestSha256();
        writeLatents(src, out, SHA_A, "job2", true);
        assertEquals(before, ShardDataset.open(out, new Configuration()).manifestSha256());
        var e = assertThrows(DatasetConflictException.class, () -> writeLatents(src, out, SHA_B, "job3", true));
        assertTrue(e.getMessage().contains("differ"), e.getMessage());
        assertFalse(Files.list(tmp.resolve("latents")).anyMatch(p -> p.getFileName().toString().startsWith(ShardWriter.TEMP_PREFIX)));
    }

    @Test
    void anInterruptedJobLeavesNoDatasetAndTheNextOneCompletes() throws Exception {
        URI src = tmp.resolve("images").toUri(), out = tmp.resolve("latents").toUri();
        ShardWriterTest.writeToy(src, 3, 10, false);
        writeLatents(src, out, SHA_A, "killed", false); // the tasks ran, the driver died before commit
        assertThrows(MissingDatasetException.class, () -> ShardDataset.open(out, new Configuration()));
        writeLatents(src, out, SHA_A, "rerun", true);
        ShardDataset lat = ShardDataset.open(out, new Configuration());
        lat.verifyContent();
        assertTrue(Files.list(tmp.resolve("latents")).noneMatch(p -> p.getFileName().toString().startsWith(ShardWriter.TEMP_PREFIX)),
                "the killed job's temporary shards are removed");
    }

    @Test
    void aManifestThatPromisesALatentColumnTheShardsLackNamesTheShardAndTheColumn() throws Exception {
        URI src = tmp.resolve("images").toUri();
        Manifest m = ShardWriterTest.writeToy(src, 3, 10, false);
        // the image shards under a manifest that claims a latent column
        Manifest lying = new Manifest(m.format(), m.formatVersion(), m.dataset(), m.factors(), m.attributes(), m.imageShape(), m.rows(),
                m.shardCount(), m.rowsPerShard(), m.shuffleSeed(), m.compression(), m.shards(), m.contentSha256(),
                new LatentSpec(List.of(2, 1, 2), "/ckpt/vq.zip", SHA_A, src.toString(), SHA_B), m.provenance());
        Files.write(tmp.resolve("images").resolve(Manifest.FILE_NAME), lying.toJson());
        Files.deleteIfExists(tmp.resolve("images").resolve("." + Manifest.FILE_NAME + ".crc")); // the local file system's checksum
        ShardDataset ds = ShardDataset.open(src, new Configuration());
        var e = assertThrows(java.io.UncheckedIOException.class, () -> ds.examples(ds.all()).next()).getCause();
        assertTrue(e instanceof CorruptShardException, String.valueOf(e));
        assertTrue(e.getMessage().contains("part-00000.parquet") && e.getMessage().contains("'latent'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> ShardWriter.create(tmp.resolve("x").toUri(), lying.spec(),
                ShardWriter.Options.defaults(), new Configuration()), "ShardWriter writes image shards only");
    }
}
