package org.factorlab.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.factorlab.data.BatchSource;
import org.factorlab.model.Families;
import org.factorlab.train.TrainingSession;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.api.io.TempDir;

/**
 * The Spark half of the family contract: for every family, training on local[1] (one worker, parameter averaging
 * every k steps) gives bit-identical parameters and optimizer state to single-machine training of the same steps,
 * with the same data order. EncDiff's config is a tiny version of the real network (Encoder4 with BatchNorm, token
 * MLPs, U-Net with cross-attention, AdamW with warm-up and clipping); FactorVAE's has two parameter groups.
 */
class FamilySparkContractTest {
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
    private static final String VAE = "model: {imageSize: 32, imageChannels: 3, latents: 4}\noptimizer: {kind: adam, lr: 1.0e-3}\n";

    /** iVAE+DDPM with KL balancing and a Gumbel group: the iVAE and the AdaGN U-Net in one parameter group. */
    private static final String IVAE_DDPM = """
            model:
              latents: 4
              unet: {modelChannels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [], numHeads: 2, groups: 4}
            ivae: {priorHidden: 8}
            klBalancing: {enabled: true}
            gumbel: {groups: 1, categories: 2}
            optimizer: {lr: 1.0e-3}
            """;

    static Stream<Arguments> families() {
        return Stream.of(
                Arguments.of("encdiff", YAML, "toy:squares?size=16"),
                Arguments.of("tiny", SparkTests.tinyConfig("adam", 0.01), SparkTests.TOY),
                Arguments.of("betavae", VAE + "objective: {beta: 4.0}\n", "toy:squares?size=32"),
                Arguments.of("factorvae", VAE + "objective: {gamma: 10.0}\ndiscriminator: {layers: 2, width: 16}\n", "toy:squares?size=32"),
                Arguments.of("ivae", VAE + "ivae: {u: one_hot, priorHidden: 8}\n", "toy:squares?size=32"),
                Arguments.of("ivae-ddpm", IVAE_DDPM, "toy:squares?size=32"));
    }

    @TempDir
    Path tmp;

    @ParameterizedTest(name = "{0}")
    @MethodSource("families")
    void oneWorkerMatchesSingleMachineExactly(String family, String yaml, String dataUri) {
        WorkerData data = DataSources.open(dataUri, new Configuration());
        var f = Families.get(family);
        String effective = f.withData(f.effectiveConfig(yaml, java.util.List.of(), family + ".yaml"), data.spec(), family + ".yaml");
        TrainJobParams p = TrainJobParams.builder().model(family).config(family + ".yaml", effective)
                .data(dataUri).runDir(tmp.resolve("run").toUri().toString()).workers(1)
                .averagingFrequency(2).batchSizePerWorker(4).rounds(2).checkpointEvery(2).emaDecay(0.99).seed(5)
                .sparkConf("spark.ui.enabled", "false").build();
        TrainResult spark;
        try (JavaSparkContext sc = SparkTests.context("local[1]", p)) {
            spark = TrainJob.run(sc, p);
        }
        try (TrainingSession single = Families.open(p.model(), p.configText(), p.seed())) {
            for (int r = 0; r < p.rounds(); r++)
                try (BatchSource src = data.open(0, 1, p.batchSizePerWorker(), WorkerRound.dataSeed(p.seed(), r, 0))) {
                    for (int i = 0; i < p.averagingFrequency(); i++) single.step(src.next());
                }
            assertEquals(4, spark.state().step());
            SparkTests.assertSameArrays(single.state().parameters(), spark.state().parameters());
            SparkTests.assertSameArrays(single.state().updaterState(), spark.state().updaterState());
            java.util.List<String> terms = new java.util.ArrayList<>(single.lossNames());
            terms.remove(org.factorlab.train.Losses.TOTAL);
            assertEquals(terms, java.util.List.copyOf(spark.history().get(0).terms().keySet()), "history carries every named loss");
        }
    }
}
