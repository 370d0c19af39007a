package org.factorlab.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.spark.api.java.JavaSparkContext;
import org.factorlab.provenance.Provenance;
import org.factorlab.shards.Manifest;
import org.factorlab.spark.toy.ToySquares;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A TrainJob against a real HDFS (MiniDFSCluster): shards, run directory, checkpoints and resume on hdfs://. */
class MiniDfsTrainJobTest {
    @TempDir
    static Path tmp;
    static MiniDFSCluster dfs;

    @BeforeAll
    static void startDfs() throws Exception {
        Configuration conf = new Configuration();
        conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, tmp.resolve("dfs").toString());
        dfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
        dfs.waitActive();
    }

    @AfterAll
    static void stopDfs() {
        if (dfs != null) dfs.shutdown();
    }

    @Test
    void trainsCheckpointsAndResumesOnHdfs() throws Exception {
        String hdfs = dfs.getURI().toString();
        Manifest manifest = new ToySquares(6).writeShards(URI.create(hdfs + "/data/toy"), dfs.getConfiguration(0), 3, 40);
        assertTrue(manifest.shards().size() > 1, "several shards");
        TrainJobParams straight = SparkTests.params(tmp, "adam", 0.01).data(hdfs + "/data/toy")
                .runDir(hdfs + "/runs/straight").rounds(4).build();
        TrainJobParams first = straight.toBuilder().runDir(hdfs + "/runs/resumed").rounds(2).build();
        TrainJobParams rest = first.toBuilder().rounds(4).resume(true).build();
        TrainResult a, b;
        try (JavaSparkContext sc = SparkTests.context("local[2]", straight)) {
            a = TrainJob.run(sc, straight);
            TrainJob.run(sc, first);
            b = TrainJob.run(sc, rest);
        }
        assertEquals(2, b.resumedFromRound());
        SparkTests.assertSameArrays(a.state().parameters(), b.state().parameters());
        SparkTests.assertSameArrays(a.state().updaterState(), b.state().updaterState());
        SparkTests.assertSameArrays(a.ema(), b.ema());
        assertTrue(b.finalCheckpoint().startsWith(hdfs), b.finalCheckpoint());

        RunDirectory dir = new RunDirectory(hdfs + "/runs/resumed", new Configuration());
        for (String f : List.of(RunDirectory.CONFIG, RunDirectory.JOB, RunDirectory.PROVENANCE, RunDirectory.HISTORY, RunDirectory.RESULT))
            assertTrue(dir.exists(f), f);
        assertEquals(straight.configText(), dir.readText(RunDirectory.CONFIG));
        assertEquals(List.of(2, 4), dir.checkpoints().stream().map(RunDirectory.CheckpointFile::round).toList());
        List<RoundStats> history = RoundStats.parseCsv(dir.readText(RunDirectory.HISTORY), "history");
        assertEquals(List.of(1, 2, 3, 4), history.stream().map(RoundStats::round).toList());
        assertEquals(a.history().stream().map(RoundStats::loss).toList(), history.stream().map(RoundStats::loss).toList());
        Provenance prov = dir.readCheckpoint(dir.checkpointPath(4)).provenance();
        assertEquals(7, prov.seed());
        assertEquals(manifest.sha256(), prov.dataManifestSha256());
    }
}
