package org.factorlab.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code maxWallSeconds}: training stops early, with a checkpoint of the last completed round. */
class TrainBudgetTest {
    @Test
    void stopsAfterTheRoundThatSpendsTheBudgetAndCheckpointsIt(@TempDir Path tmp) throws Exception {
        // a budget far below one round's time: the job must stop after round 1 of 50 (checkpointEvery 2 notwithstanding)
        TrainJobParams p = SparkTests.params(tmp, "adam", 0.01).rounds(50).maxWallSeconds(1e-6).build();
        TrainResult r;
        try (var sc = SparkTests.context("local[2]", p)) {
            r = TrainJob.run(sc, p);
        }
        assertEquals(1, r.rounds());
        assertEquals(1, r.history().size());
        assertEquals((long) p.averagingFrequency(), r.state().step());
        assertTrue(Files.exists(tmp.resolve("checkpoints/round-00000001.ckpt")));
        String result = Files.readString(tmp.resolve(RunDirectory.RESULT));
        assertTrue(result.contains("\"stoppedByWallTime\" : true"), result);
        assertTrue(result.contains("\"plannedRounds\" : 50"), result);
    }

    @Test
    void rejectsANegativeBudget() {
        var e = assertThrows(IllegalArgumentException.class, () -> SparkTests.params(Path.of("x"), "adam", 0.01).maxWallSeconds(-1).build());
        assertTrue(e.getMessage().contains("maxWallSeconds"), e.getMessage());
    }
}
