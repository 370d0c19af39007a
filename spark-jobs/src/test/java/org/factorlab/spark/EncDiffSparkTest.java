package org.factorlab.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.factorlab.data.BatchSource;
import org.factorlab.model.Families;
import org.factorlab.train.TrainingSession;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark job is generic over models: EncDiff (a tiny config of the real network: Encoder4 with BatchNorm,
 * token MLPs, U-Net with cross-attention, AdamW with warm-up and clipping, seeded per-step noise) trained on
 * local[1] gives bit-identical parameters, optimizer state and BatchNorm statistics to single-machine training.
 */
class EncDiffSparkTest {
    static final String YAML = """
            model:
              imageSize: 16
              imageChannels: 3
              encoder: {channels: 8, downsamples: 4, resBlocks: 1, norm: batch}
              tokens: {kind: scalar, count: 4, dim: 8, hidden1: 8, hidden2: 8}
              unet: {modelChannels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [2], numHeads: 2, groups: 4}
            diffusion:
              schedule: {schedule: linear, timesteps: 100}
              loss: l2
            optimizer: {kind: adamw, lr: 2.0e-3, weightDecay: 0.01, warmupSteps: 2, clipGradNorm: 1.0}
            train: {batchSize: 4}
            """;

    @TempDir
    Path tmp;

    @Test
    void encDiffOnOneWorkerMatchesSingleMachineExactly() {
        TrainJobParams p = TrainJobParams.builder().model("encdiff").config("tiny-encdiff.yaml", YAML)
                .data("toy:squares?size=16").runDir(tmp.resolve("run").toUri().toString()).workers(1)
                .averagingFrequency(2).batchSizePerWorker(4).rounds(2).checkpointEvery(2).emaDecay(0.99).seed(5)
                .sparkConf("spark.ui.enabled", "false").build();
        TrainResult spark;
        try (JavaSparkContext sc = SparkTests.context("local[1]", p)) {
            spark = TrainJob.run(sc, p);
        }
        WorkerData data = DataSources.open(p.data(), new Configuration());
        try (TrainingSession single = Families.open(p.model(), p.configText(), p.seed())) {
            for (int r = 0; r < p.rounds(); r++)
                try (BatchSource src = data.open(0, 1, p.batchSizePerWorker(), WorkerRound.dataSeed(p.seed(), r, 0))) {
                    for (int i = 0; i < p.averagingFrequency(); i++) single.step(src.next());
                }
            assertEquals(4, spark.state().step());
            SparkTests.assertSameArrays(single.state().parameters(), spark.state().parameters());
            SparkTests.assertSameArrays(single.state().updaterState(), spark.state().updaterState());
        }
    }
}
