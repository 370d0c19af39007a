package org.factorlab.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import org.apache.spark.api.java.JavaSparkContext;
import org.factorlab.toy.TinyModel;
import org.factorlab.model.Families;
import org.factorlab.train.TrainingSession;
import org.factorlab.train.TrainingState;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Parameter averaging against single-machine training with the same model, data and seed.
 * local[1]: one worker, Adam, several steps per round: bit-identical parameters and updater state (no rounding
 * at all: the state passes through Kryo unchanged and one worker's average divides by 1).
 * local[2], averaging every step, plain SGD: the average of two workers' updates equals one step on the two
 * minibatches concatenated, up to float32 rounding of the different summation order (max |diff| <= 1e-6).
 */
class SparkEquivalenceTest {
    @TempDir
    Path tmp;

    @Test
    void oneWorkerMatchesSingleMachineExactly() {
        TrainJobParams p = SparkTests.params(tmp.resolve("run1"), "adam", 0.01).workers(1).averagingFrequency(3).rounds(3).build();
        TrainResult spark;
        try (JavaSparkContext sc = SparkTests.context("local[1]", p)) {
            spark = TrainJob.run(sc, p);
        }
        TrainingState single = SparkTests.singleMachine(p);
        assertEquals(9, spark.state().step());
        SparkTests.assertSameArrays(single.parameters(), spark.state().parameters());
        SparkTests.assertSameArrays(single.updaterState(), spark.state().updaterState());
        assertEquals(3, spark.history().size());
        assertTrue(spark.history().get(2).loss() < spark.history().get(0).loss(), "loss decreases: " + spark.history());
    }

    @Test
    void twoWorkersAveragingEveryStepMatchCombinedBatchSgd() {
        TrainJobParams p = SparkTests.params(tmp.resolve("run2"), "sgd", 0.5).workers(2).averagingFrequency(1).rounds(4).build();
        TrainResult spark;
        try (JavaSparkContext sc = SparkTests.context("local[2]", p)) {
            spark = TrainJob.run(sc, p);
        }
        TrainingState single = SparkTests.singleMachineCombined(p);
        double diff = SparkTests.maxAbsDiff(single.parameters(), spark.state().parameters());
        double moved;
        try (TrainingSession fresh = Families.open(TinyModel.NAME, p.configText(), p.seed())) {
            moved = SparkTests.maxAbsDiff(single.parameters(), fresh.state().parameters());
        }
        assertTrue(diff <= 1e-6, "max |spark - single| = " + diff);
        assertTrue(moved > 1e-3, "training moved the parameters by " + moved);
        List<RoundStats> h = spark.history();
        assertEquals(4, h.size());
        assertEquals(4, spark.state().step());
    }
}
