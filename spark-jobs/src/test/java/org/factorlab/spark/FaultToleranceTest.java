package org.factorlab.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicInteger;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.Success$;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.factorlab.shards.Manifest;
import org.factorlab.spark.toy.ToySquares;
import org.factorlab.train.Checkpoint;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Task failures, driver crashes, divergence and bad resumes, all on one local[2,2] context (2 threads, 2 attempts). */
class FaultToleranceTest {
    @TempDir
    static Path tmp;
    static JavaSparkContext sc;
    static final AtomicInteger FAILED_TASKS = new AtomicInteger();

    @BeforeAll
    static void start() {
        TrainJobParams p = SparkTests.params(tmp.resolve("x"), "adam", 0.01).build();
        sc = SparkTests.context("local[2,2]", p);
        sc.sc().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                if (end.reason() != Success$.MODULE$) FAILED_TASKS.incrementAndGet();
            }
        });
    }

    @AfterAll
    static void stop() {
        sc.close();
    }

    @Test
    void failedTaskIsRetriedAndTheResultIsUnchanged() throws Exception {
        // Worker 1's task of the second round fails once, halfway through its minibatches; Spark retries it.
        int before = FAILED_TASKS.get();
        TrainResult withFailure = TrainJob.run(sc, SparkTests.params(tmp.resolve("fail"), "adam", 0.01).rounds(3)
                .sparkConf(FaultInjection.FAIL_TASK_ONCE, "1:1").build());
        sc.sc().listenerBus().waitUntilEmpty();
        assertEquals(1, FAILED_TASKS.get() - before, "one task attempt failed");
        TrainResult clean = TrainJob.run(sc, SparkTests.params(tmp.resolve("clean"), "adam", 0.01).rounds(3).build());
        sc.sc().listenerBus().waitUntilEmpty();
        assertEquals(1, FAILED_TASKS.get() - before);
        SparkTests.assertSameArrays(clean.state().parameters(), withFailure.state().parameters());
        SparkTests.assertSameArrays(clean.state().updaterState(), withFailure.state().updaterState());
        assertEquals(clean.history().stream().map(RoundStats::loss).toList(),
                withFailure.history().stream().map(RoundStats::loss).toList());
    }

    @Test
    void driverCrashThenResumeReachesTheUninterruptedResult() {
        TrainJobParams.Builder base = SparkTests.params(tmp.resolve("crash"), "adam", 0.01).rounds(4).checkpointEvery(2);
        // Dies after round 3, before any checkpoint of it: the newest complete checkpoint holds round 2.
        var crash = assertThrows(FaultInjection.InjectedFault.class, () -> TrainJob.run(sc,
                base.build().toBuilder().sparkConf(FaultInjection.CRASH_DRIVER_AFTER_ROUND, "3").build()));
        assertTrue(crash.getMessage().contains("after round 3"), crash.getMessage());
        RunDirectory dir = new RunDirectory(base.build().runDir(), new Configuration());
        assertEquals(2, dir.checkpoints().get(dir.checkpoints().size() - 1).round());

        TrainResult resumed = TrainJob.run(sc, base.resume(true).build());
        assertEquals(2, resumed.resumedFromRound());
        TrainResult straight = TrainJob.run(sc, SparkTests.params(tmp.resolve("straight"), "adam", 0.01).rounds(4)
                .checkpointEvery(2).build());
        SparkTests.assertSameArrays(straight.state().parameters(), resumed.state().parameters());
        SparkTests.assertSameArrays(straight.state().updaterState(), resumed.state().updaterState());
        SparkTests.assertSameArrays(straight.ema(), resumed.ema());
        assertEquals(straight.history().stream().map(RoundStats::loss).toList(),
                resumed.history().stream().map(RoundStats::loss).toList());
        // keepCheckpoints = 2: rounds 2 and 4 remain.
        assertEquals(java.util.List.of(2, 4), dir.checkpoints().stream().map(RunDirectory.CheckpointFile::round).toList());
    }

    @Test
    void nonFiniteLossStopsTheRunAndKeepsTheLastGoodCheckpoint() {
        TrainJobParams p = SparkTests.params(tmp.resolve("nan"), "sgd", 1000).rounds(20).checkpointEvery(1).keepCheckpoints(50).build();
        var e = assertThrows(TrainingDivergedException.class, () -> TrainJob.run(sc, p));
        RunDirectory dir = new RunDirectory(p.runDir(), new Configuration());
        var ckpts = dir.checkpoints();
        assertTrue(ckpts.size() >= 1, "checkpoints before the divergence");
        var last = ckpts.get(ckpts.size() - 1);
        assertTrue(e.getMessage().contains("Last good checkpoint: " + last.path()), e.getMessage());
        assertTrue(e.getMessage().contains("round " + (last.round() + 1)), e.getMessage());
        Checkpoint c = dir.readCheckpoint(last.path());
        assertTrue(Double.isFinite(TrainJob.norm(c.state().parameters(), null)));
    }

    @Test
    void corruptOrMissingShardsFailWithTheirNames() throws Exception {
        Path data = tmp.resolve("shards");
        Manifest m = new ToySquares(6).writeShards(data.toUri(), new Configuration(), 1, 30);
        String victim = m.shards().get(1).file();
        Path file = data.resolve(victim);
        byte[] bytes = Files.readAllBytes(file);
        bytes[bytes.length / 2] ^= 0x5a;
        Files.write(file, bytes);
        // Without its .crc the local FileSystem does not notice: the shard reader's manifest checksum must.
        Files.deleteIfExists(data.resolve("." + victim + ".crc"));
        TrainJobParams p = SparkTests.params(tmp.resolve("corrupt"), "adam", 0.01).data(data.toUri().toString())
                .batchSizePerWorker(40).build();
        var corrupt = assertThrows(IllegalStateException.class, () -> TrainJob.run(sc, p));
        assertTrue(corrupt.getMessage().contains(victim), corrupt.getMessage());

        Files.delete(file);
        var missing = assertThrows(IllegalStateException.class,
                () -> TrainJob.run(sc, p.toBuilder().runDir(tmp.resolve("missing").toUri().toString()).build()));
        assertTrue(missing.getMessage().contains(victim), missing.getMessage());

        Files.delete(data.resolve(Manifest.FILE_NAME));
        var noDataset = assertThrows(RuntimeException.class,
                () -> TrainJob.run(sc, p.toBuilder().runDir(tmp.resolve("none").toUri().toString()).build()));
        assertTrue(noDataset.getMessage().contains(data.toUri().toString()), noDataset.getMessage());
    }

    @Test
    void resumeRefusesADifferentJobAndANewRunRefusesAnOldDirectory() {
        TrainJobParams p = SparkTests.params(tmp.resolve("strict"), "adam", 0.01).rounds(2).build();
        TrainJob.run(sc, p);
        var again = assertThrows(IllegalStateException.class, () -> TrainJob.run(sc, p));
        assertTrue(again.getMessage().contains("--resume"), again.getMessage());
        var other = assertThrows(IllegalStateException.class,
                () -> TrainJob.run(sc, p.toBuilder().resume(true).batchSizePerWorker(3).build()));
        assertTrue(other.getMessage().contains("[batchSizePerWorker]"), other.getMessage());
        // Same job, more rounds: continues from round 2.
        assertEquals(2, TrainJob.run(sc, p.toBuilder().resume(true).rounds(3).build()).resumedFromRound());
    }
}
