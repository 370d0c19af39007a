package org.factorlab.vq;

import org.factorlab.data.Batch;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** A tiny vqae for tests: 16x16x3 images, f = 2, 16 codes, a one-layer PatchGAN. */
final class TinyVq {
    static final String YAML = """
            model: {imageSize: 16, ch: 8, chMult: [1, 2], numResBlocks: 1, attnResolutions: [8], nEmbed: 16, groups: 4}
            loss: {discriminator: {layers: 1, filters: 4}}
            train: {batchSize: 4}
            """;

    private TinyVq() {
    }

    static VqConfig config() {
        return VqConfig.parse(YAML, "tiny");
    }

    static VqConfig config(String extraYaml) {
        return VqFamily.class.cast(new VqFamily()).parse(
                org.factorlab.config.ConfigTree.toYaml(org.factorlab.config.ConfigTree.merge(YAML, extraYaml, java.util.List.of(), "tiny")), "tiny");
    }

    /** Smooth, structured images in [-1, 1]: a few stripes and blobs per image, seeded. */
    static INDArray images(int n, long seed) {
        java.util.SplittableRandom rng = new java.util.SplittableRandom(seed);
        INDArray x = Nd4j.create(DataType.FLOAT, n, 3, 16, 16);
        for (int i = 0; i < n; i++) {
            double fx = 0.2 + 0.6 * rng.nextDouble(), fy = 0.2 + 0.6 * rng.nextDouble();
            double[] phase = {rng.nextDouble() * 6, rng.nextDouble() * 6, rng.nextDouble() * 6};
            for (int c = 0; c < 3; c++)
                for (int y = 0; y < 16; y++)
                    for (int xx = 0; xx < 16; xx++)
                        x.putScalar(new long[]{i, c, y, xx}, 0.8 * Math.sin(fx * xx + fy * y + phase[c]));
        }
        return x;
    }

    static Batch batch(INDArray images) {
        return new Batch(images, new int[(int) images.size(0)][0]);
    }
}
