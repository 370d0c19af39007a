package org.factorlab.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.factorlab.toy.TinyModel;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Shared fixtures: tiny-model configs, job parameters and Spark contexts for tests. */
final class SparkTests {
    static final String TOY = "toy:squares?size=6";

    static String tinyConfig(String optimizer, double lr) {
        return "image: {height: 6, width: 6, channels: 3}\nhidden: 8\noptimizer: " + optimizer + "\nlearningRate: " + lr + "\n";
    }

    static TrainJobParams.Builder params(Path runDir, String optimizer, double lr) {
        return TrainJobParams.builder().model(TinyModel.NAME).config("tiny.yaml", tinyConfig(optimizer, lr)).data(TOY)
                .runDir(runDir.toUri().toString()).workers(2).averagingFrequency(2).batchSizePerWorker(4).rounds(4)
                .checkpointEvery(2).keepCheckpoints(2).emaDecay(0.9).seed(7).sparkConf("spark.ui.enabled", "false");
    }

    static JavaSparkContext context(String master, TrainJobParams p) {
        return new JavaSparkContext(new SparkContext(TrainJob.sparkConf(p).setMaster(master)));
    }

    static void assertSameArrays(Map<String, INDArray> expected, Map<String, INDArray> actual) {
        assertEquals(expected.keySet(), actual.keySet());
        for (var e : expected.entrySet())
            assertArrayEquals(e.getValue().ravel().toFloatVector(), actual.get(e.getKey()).ravel().toFloatVector(), e.getKey());
    }

    static double maxAbsDiff(Map<String, INDArray> a, Map<String, INDArray> b) {
        double m = 0;
        for (var e : a.entrySet()) m = Math.max(m, e.getValue().sub(b.get(e.getKey())).amaxNumber().doubleValue());
        return m;
    }

    private SparkTests() {
    }
}
