package org.factorlab.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import java.util.Map;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.data.Batch;
import org.factorlab.data.BatchSource;
import org.factorlab.model.Families;
import org.factorlab.toy.TinyModel;
import org.factorlab.train.TrainingSession;
import org.factorlab.train.TrainingState;
import org.nd4j.linalg.factory.Nd4j;
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

    /** Single-machine training of {@code p}'s one worker: the same batches, in the same order, as on Spark. */
    static TrainingState singleMachine(TrainJobParams p) {
        WorkerData data = DataSources.open(p.data(), new Configuration());
        try (TrainingSession single = Families.open(p.model(), p.configText(), p.seed())) {
            for (int r = 0; r < p.rounds(); r++)
                try (BatchSource src = data.open(0, 1, p.batchSizePerWorker(), WorkerRound.dataSeed(p.seed(), r, 0))) {
                    for (int i = 0; i < p.averagingFrequency(); i++) single.step(src.next());
                }
            return single.state();
        }
    }

    /** Single-machine training, one step per round on the two workers' minibatches of that round concatenated. */
    static TrainingState singleMachineCombined(TrainJobParams p) {
        WorkerData data = DataSources.open(p.data(), new Configuration());
        try (TrainingSession single = Families.open(p.model(), p.configText(), p.seed())) {
            for (int r = 0; r < p.rounds(); r++) {
                Batch a, b;
                try (BatchSource s0 = data.open(0, 2, p.batchSizePerWorker(), WorkerRound.dataSeed(p.seed(), r, 0));
                     BatchSource s1 = data.open(1, 2, p.batchSizePerWorker(), WorkerRound.dataSeed(p.seed(), r, 1))) {
                    a = s0.next();
                    b = s1.next();
                }
                int[][] f = new int[a.size() + b.size()][];
                System.arraycopy(a.factors(), 0, f, 0, a.size());
                System.arraycopy(b.factors(), 0, f, a.size(), b.size());
                single.step(new Batch(Nd4j.concat(0, a.images(), b.images()), f));
            }
            return single.state();
        }
    }

    private SparkTests() {
    }
}
