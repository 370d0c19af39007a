package org.factorlab.shards;

import static org.junit.jupiter.api.Assertions.*;

import java.io.File;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.URI;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.factorlab.data.Batch;
import org.factorlab.data.BatchSource;
import org.factorlab.ingest.Example;
import org.factorlab.render.FactorRestriction;
import org.factorlab.render.Shapes3DRenderer;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Everything shard-related against a real (in-process) HDFS: the only class that starts a MiniDFSCluster. */
class HdfsShardsTest {
    private static MiniDFSCluster cluster;
    private static Configuration conf;
    private static FileSystem fs;

    @BeforeAll
    static void start() throws IOException {
        conf = new Configuration();
        File base = new File(System.getProperty("java.io.tmpdir"), "minidfs-" + System.nanoTime());
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.getAbsolutePath());
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
        fs = cluster.getFileSystem();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) cluster.shutdown();
    }

    private static URI uri(String path) {
        return URI.create(fs.getUri() + path);
    }

    @Test
    void renderedDatasetRoundTripsOverHdfs() throws Exception {
        var keep = FactorRestriction.parse(new Shapes3DRenderer(16).spec(),
                List.of("floor_hue=0,5", "wall_hue=3", "object_hue=1,8", "scale=0,7", "orientation=0,14"));
        Shapes3DRenderer r = new Shapes3DRenderer(16, 2, keep, 2);
        URI out = uri("/data/shapes3d");
        assertTrue(out.toString().startsWith("hdfs://"));
        Manifest m = ShardWriter.write(r, out, ShardWriter.Options.defaults().withSeed(1).withRowsPerShard(20).withThreads(2), conf, "hdfs test");
        assertEquals(2 * 2 * 2 * 4 * 2, m.rows());
        assertEquals(4, m.shards().size());
        // nothing but shards and the manifest (plus no temporary directory) is left
        for (var st : fs.listStatus(new Path(out)))
            assertTrue(st.getPath().getName().equals(Manifest.FILE_NAME) || st.getPath().getName().matches("part-\\d{5}\\.parquet"), st.getPath().toString());

        ShardDataset ds = ShardDataset.open(out, conf);
        ds.verify();
        Set<Long> seen = new HashSet<>();
        for (var it = ds.examples(ds.all()); it.hasNext(); ) {
            Example e = it.next();
            assertArrayEquals(r.image(e.factors()), e.image());
            seen.add(e.index());
        }
        assertEquals(64, seen.size());
        try (BatchSource src = ds.batches(ds.rowPartition(1, 2), 8, 3)) {
            Batch b = src.next();
            assertArrayEquals(new long[]{8, 3, 16, 16}, b.images().shape());
        }
        // writing the same again is idempotent; different data is refused
        Manifest again = ShardWriter.write(r, out, ShardWriter.Options.defaults().withSeed(1).withRowsPerShard(20), conf, "again");
        assertEquals(m, again);
        assertThrows(DatasetConflictException.class,
                () -> ShardWriter.write(r, out, ShardWriter.Options.defaults().withSeed(2).withRowsPerShard(20), conf, "other seed"));
    }

    @Test
    void corruptShardOnHdfsIsReportedByNameAndIncompleteWritesAreInvisible() throws Exception {
        URI out = uri("/data/toy");
        Manifest m = ShardWriterTest.writeToy(out, 2, 10, false);
        String victim = m.shards().get(1).file();
        Path p = new Path(new Path(out), victim);
        byte[] bytes;
        try (InputStream in = fs.open(p)) {
            bytes = in.readAllBytes();
        }
        bytes[bytes.length / 3] ^= 0x01;
        try (OutputStream o = fs.create(p, true)) {
            o.write(bytes);
        }
        CorruptShardException e = assertThrows(CorruptShardException.class, () -> ShardDataset.open(out, conf).verify());
        assertEquals(victim, e.shard());

        // an interrupted write: shards present, manifest never written
        URI broken = uri("/data/broken");
        try (ShardWriter w = ShardWriter.create(broken, ShardWriterTest.SPEC, ShardWriter.Options.defaults(), conf)) {
            for (long i = 0; i < 35; i++) w.accept(ShardWriterTest.example(i));
        }
        assertThrows(MissingDatasetException.class, () -> ShardDataset.open(broken, conf));
        fs.delete(new Path(new Path(out), Manifest.FILE_NAME), false);
        assertThrows(MissingDatasetException.class, () -> ShardDataset.open(out, conf));
    }
}
