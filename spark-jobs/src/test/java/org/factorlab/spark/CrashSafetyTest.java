package org.factorlab.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.spark.api.java.JavaSparkContext;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The states a kill -9 can leave in a run directory, recreated by hand: history.csv gone (the checksum file system's
 * rename deletes the target first), history.csv whose .crc belongs to an older version, only unreadable checkpoints.
 */
class CrashSafetyTest {
    @TempDir
    static Path tmp;
    static JavaSparkContext sc;

    @BeforeAll
    static void start() {
        sc = SparkTests.context("local[2]", SparkTests.params(tmp.resolve("x"), "adam", 0.01).build());
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    private static TrainJobParams.Builder job(String name) {
        return SparkTests.params(tmp.resolve(name), "adam", 0.01).rounds(4).checkpointEvery(2);
    }

    /** Runs rounds 1..3 and dies before round 3's checkpoint: the newest checkpoint holds round 2. */
    private static RunDirectory crashAfterRound3(String name) {
        assertThrows(FaultInjection.InjectedFault.class, () -> TrainJob.run(sc,
                job(name).build().toBuilder().sparkConf(FaultInjection.CRASH_DRIVER_AFTER_ROUND, "3").build()));
        return new RunDirectory(job(name).build().runDir(), new Configuration());
    }

    private static List<Double> losses(List<RoundStats> h) {
        return h.stream().map(RoundStats::loss).toList();
    }

    @Test
    void historyLostOrWithAStaleChecksumIsRebuiltFromTheCheckpoint() throws Exception {
        TrainResult straight = TrainJob.run(sc, job("straight").build());
        assertEquals(4, straight.history().size());

        // killed between the delete of history.csv and the rename of its replacement
        RunDirectory gone = crashAfterRound3("gone");
        Files.delete(tmp.resolve("gone").resolve(RunDirectory.HISTORY));
        TrainResult r1 = TrainJob.run(sc, job("gone").resume(true).build());
        assertEquals(2, r1.resumedFromRound());
        assertEquals(losses(straight.history()), losses(r1.history()), "every round's loss, including those before the checkpoint");
        assertEquals(RoundStats.toCsv(r1.history()), gone.readText(RunDirectory.HISTORY));

        // killed between the rename of the data and the rename of its .crc: the .crc is an older version's
        RunDirectory stale = crashAfterRound3("stale");
        Path history = tmp.resolve("stale").resolve(RunDirectory.HISTORY);
        String current = Files.readString(history);
        LocalFileSystem local = FileSystem.getLocal(new Configuration());
        try (OutputStream out = local.create(new org.apache.hadoop.fs.Path(history.toUri()), true)) {
            out.write(RoundStats.toCsv(r1.history().subList(0, 1)).getBytes(StandardCharsets.UTF_8));
        }
        Files.writeString(history, current); // data without its checksum file
        assertThrows(RuntimeException.class, () -> stale.readText(RunDirectory.HISTORY), "the .crc is stale");
        TrainResult r2 = TrainJob.run(sc, job("stale").resume(true).build());
        assertEquals(losses(straight.history()), losses(r2.history()));
        assertEquals(RoundStats.toCsv(r2.history()), stale.readText(RunDirectory.HISTORY), "history.csv readable again");
        SparkTests.assertSameArrays(straight.state().parameters(), r2.state().parameters());
    }

    @Test
    void checkpointsCarryTheirHistoryAndRewritesLeaveNoChecksumFiles() {
        TrainResult r = TrainJob.run(sc, job("own").build());
        RunDirectory dir = new RunDirectory(r.runDir(), new Configuration());
        assertEquals(RoundStats.toCsv(r.history().subList(0, 2)), dir.checkpointHistory(2).orElseThrow());
        assertEquals(RoundStats.toCsv(r.history()), dir.checkpointHistory(4).orElseThrow());
        assertFalse(Files.exists(tmp.resolve("own").resolve("." + RunDirectory.HISTORY + ".crc")),
                "replaced files carry no .crc whose rename could be cut off");
    }

    @Test
    void resumeWithOnlyUnreadableCheckpointsNamesThemAndRestartStartsOver() throws Exception {
        TrainJob.run(sc, job("corrupt").build());
        RunDirectory dir = new RunDirectory(job("corrupt").build().runDir(), new Configuration());
        List<RunDirectory.CheckpointFile> ckpts = dir.checkpoints();
        assertEquals(2, ckpts.size());
        for (RunDirectory.CheckpointFile f : ckpts) {
            Path p = Path.of(f.path().toUri());
            byte[] b = Files.readAllBytes(p);
            Files.write(p, java.util.Arrays.copyOf(b, b.length / 3)); // truncated
        }
        var e = assertThrows(IllegalStateException.class, () -> TrainJob.run(sc, job("corrupt").resume(true).build()));
        for (RunDirectory.CheckpointFile f : ckpts) assertTrue(e.getMessage().contains(f.path().getName()), e.getMessage());
        assertTrue(e.getMessage().contains("--restart"), e.getMessage());

        dir.discardRun(); // what --restart does before the job starts
        TrainResult again = TrainJob.run(sc, job("corrupt").build());
        assertEquals(0, again.resumedFromRound());
        assertEquals(4, again.history().size());
    }

    @Test
    void anUnreadableNewestCheckpointIsSetAsideAndItsRoundWrittenAgain() throws Exception {
        TrainResult straight = TrainJob.run(sc, job("aside").keepCheckpoints(1).build());
        RunDirectory dir = new RunDirectory(straight.runDir(), new Configuration());
        // an older checkpoint to fall back to, then a truncated newest one
        TrainJob.run(sc, job("aside2").keepCheckpoints(5).build());
        RunDirectory dir2 = new RunDirectory(job("aside2").build().runDir(), new Configuration());
        Path newest = Path.of(dir2.checkpointPath(4).toUri());
        byte[] b = Files.readAllBytes(newest);
        Files.write(newest, java.util.Arrays.copyOf(b, b.length / 2));
        TrainResult resumed = TrainJob.run(sc, job("aside2").keepCheckpoints(1).resume(true).build());
        assertEquals(2, resumed.resumedFromRound());
        assertTrue(Files.exists(Path.of(newest + ".unreadable")));
        assertEquals(List.of(4), dir2.checkpoints().stream().map(RunDirectory.CheckpointFile::round).toList());
        SparkTests.assertSameArrays(straight.state().parameters(), dir2.readCheckpoint(dir2.checkpointPath(4)).state().parameters());
        assertEquals(1, dir.checkpoints().size());
    }
}
