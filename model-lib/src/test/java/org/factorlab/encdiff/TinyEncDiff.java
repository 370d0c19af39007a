package org.factorlab.encdiff;

import java.util.SplittableRandom;
import org.factorlab.data.Batch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A tiny EncDiff config and deterministic batches for fast tests. */
final class TinyEncDiff {
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

    private TinyEncDiff() {
    }

    static EncDiffConfig config() {
        return EncDiffConfig.parse(YAML, "tiny");
    }

    /** Batch {@code i} of a fixed stream: smooth random images in [-1, 1]. */
    static Batch batch(int i, int size) {
        SplittableRandom r = new SplittableRandom(1000 + i);
        float[] v = new float[size * 3 * 16 * 16];
        for (int b = 0; b < size; b++) {
            double hue = r.nextDouble(), fx = r.nextDouble() * 0.5, ph = r.nextDouble() * 6;
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 16; y++)
                    for (int x = 0; x < 16; x++)
                        v[((b * 3 + c) * 16 + y) * 16 + x] = (float) Math.sin(fx * x + ph + c * hue * 3 + 0.2 * y);
        }
        INDArray images = Nd4j.create(v, new long[]{size, 3, 16, 16}, DataType.FLOAT);
        return new Batch(images, new int[size][0]);
    }
}
