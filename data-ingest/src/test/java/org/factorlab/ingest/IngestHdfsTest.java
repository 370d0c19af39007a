package org.factorlab.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.factorlab.shards.Manifest;
import org.factorlab.shards.ShardDataset;
import org.factorlab.shards.ShardWriter;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Ingest straight to HDFS (a real MiniDFSCluster), as on a cluster edge node. */
class IngestHdfsTest {
    @TempDir
    static Path base;
    private static MiniDFSCluster cluster;

    @BeforeAll
    static void start() throws IOException {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, new File(base.toFile(), "dfs").getAbsolutePath());
        cluster = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        cluster.waitActive();
    }

    @AfterAll
    static void stop() {
        if (cluster != null) cluster.shutdown();
    }

    @Test
    void shapes3dSubsetToHdfsAndBack() throws IOException {
        Configuration conf = cluster.getConfiguration(0);
        URI out = URI.create(cluster.getFileSystem().getUri() + "/data/shapes3d");
        Path h5 = Fixtures.path("shapes3d/3dshapes_subset.h5");
        Map<Long, Example> expected = new HashMap<>();
        try (var r = new Shapes3dReader(h5, ReadOptions.defaults().withThreads(2))) {
            for (Example e : Fixtures.readAll(r)) expected.put(e.index(), e);
        }
        try (var r = new Shapes3dReader(h5, ReadOptions.defaults().withThreads(2))) {
            IngestCommand.ingest(r, out, ShardWriter.Options.defaults().withSeed(5).withRowsPerShard(16).withThreads(2), conf, "test", false, System.err);
        }
        ShardDataset ds = ShardDataset.open(out, conf);
        ds.verify();
        assertEquals(4, ds.shardCount());
        for (var it = ds.examples(ds.all()); it.hasNext(); ) {
            Example got = it.next();
            Example want = expected.remove(got.index());
            assertArrayEquals(want.factors(), got.factors());
            assertArrayEquals(want.image(), got.image());
        }
        assertTrue(expected.isEmpty());

        // a bad input aimed at HDFS leaves nothing there
        URI bad = URI.create(cluster.getFileSystem().getUri() + "/data/bad");
        try (var r = new Mpi3dReader(Fixtures.path("mpi3d/mpi3d_1036800_truncated.npz"))) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(InvalidInputException.class, () ->
                    IngestCommand.ingest(r, bad, ShardWriter.Options.defaults().withThreads(1), conf, "test", false, System.err));
            assertTrue(e.getMessage().contains("truncated"), e.getMessage());
        }
        assertFalse(cluster.getFileSystem().exists(new org.apache.hadoop.fs.Path("/data/bad/" + Manifest.FILE_NAME)));
    }
}
