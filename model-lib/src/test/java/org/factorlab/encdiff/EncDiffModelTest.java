package org.factorlab.encdiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.factorlab.diffusion.DdimConfig;
import org.factorlab.diffusion.GaussianDiffusion;
import org.factorlab.model.Decoding.Start;
import org.factorlab.provenance.Provenance;
import org.factorlab.train.Checkpoint;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

class EncDiffModelTest {
    static EncDiffModel model;
    static INDArray images;

    /**
     * An untrained tiny EncDiff whose parameters are all perturbed, so that the zero-initialised output layers do not
     * hide the tokens' effect: a deterministic, non-trivial denoiser.
     */
    @BeforeAll
    static void build() {
        model = new EncDiffModel(TinyEncDiff.config(), perturbed(new EncDiffSession(TinyEncDiff.config(), 7).state().parameters(), 0.08));
        images = TinyEncDiff.batch(0, 3).images();
    }

    static Map<String, INDArray> perturbed(Map<String, INDArray> params, double scale) {
        SplittableRandom r = new SplittableRandom(99);
        Map<String, INDArray> out = new LinkedHashMap<>();
        for (var e : params.entrySet()) {
            INDArray a = e.getValue().dup();
            if (!e.getKey().contains("running_")) {
                double[] v = a.castTo(DataType.DOUBLE).data().asDouble();
                for (int i = 0; i < v.length; i++) v[i] += (r.nextDouble() * 2 - 1) * scale;
                a = Nd4j.create(v, a.shape(), DataType.DOUBLE).castTo(a.dataType());
            }
            out.put(e.getKey(), a);
        }
        return out;
    }

    @Test
    void shapesOfEveryProduct() {
        DdimConfig ddim = DdimConfig.of(4, 0.0);
        assertArrayEquals(new long[]{3, 4}, model.encode(images).shape());
        assertArrayEquals(new long[]{3, 4, 8}, model.tokens(images).shape());
        assertArrayEquals(new long[]{3, 3, 16, 16}, model.reconstruct(images, ddim, Start.NOISE, 1).shape());
        assertArrayEquals(new long[]{3, 3, 16, 16}, model.reconstruct(images, ddim, Start.INVERTED, 1).shape());
        INDArray src = images.get(NDArrayIndex.interval(0, 2)).dup(), tgt = images.get(NDArrayIndex.interval(1, 3)).dup();
        assertArrayEquals(new long[]{4, 2, 3, 16, 16}, model.swap(src, tgt, ddim, Start.NOISE, 1).shape());
        INDArray one = images.get(NDArrayIndex.interval(0, 1)).dup();
        assertArrayEquals(new long[]{5, 3, 16, 16}, model.traverse(one, 2, new double[]{-2, -1, 0, 1, 2}, ddim, Start.NOISE, 1).shape());
        assertEquals(4, model.crossAttentionLayers().size(), "in, mid and two out transformers at 8x8");
    }

    @Test
    void denoiserIsTheDiffusionCoresDenoiser() {
        INDArray tokens = model.tokens(images);
        INDArray xt = model.noise(3, 5);
        int[] t = {3, 50, 99};
        INDArray direct = model.predict(xt, t, tokens);
        assertEquals(direct, model.denoiser(tokens).predict(xt, t));
        assertTrue(direct.std(true).getDouble(0) > 1e-3, "a non-trivial denoiser");
        // tokens condition the output
        INDArray other = model.tokens(TinyEncDiff.batch(5, 3).images());
        assertTrue(direct.sub(model.predict(xt, t, other)).norm2Number().doubleValue() > 1e-4);
        // the same seed, the same reconstruction
        DdimConfig ddim = DdimConfig.of(4, 1.0);
        assertEquals(model.reconstruct(images, ddim, Start.NOISE, 11), model.reconstruct(images, ddim, Start.NOISE, 11));
    }

    @Test
    void tokensOfCodeMatchTheEncoder() {
        INDArray viaCode = model.tokensOfCode(model.encode(images));
        assertTrue(viaCode.equalsWithEps(model.tokens(images), 1e-5));
    }

    @Test
    void swappingATokenWithItselfChangesNothing() {
        DdimConfig ddim = DdimConfig.of(4, 0.0);
        INDArray self = model.swap(images, images, ddim, Start.NOISE, 3);
        INDArray plain = model.reconstruct(images, ddim, Start.NOISE, 3);
        for (int c = 0; c < 4; c++)
            assertTrue(self.get(NDArrayIndex.point(c)).equalsWithEps(plain, 1e-5),
                    "token " + c + ": max difference " + self.get(NDArrayIndex.point(c)).sub(plain).amaxNumber());
        // row c is the target decoded with the source's token c in place of its own
        INDArray other = TinyEncDiff.batch(9, 3).images();
        INDArray swapped = model.swap(other, images, ddim, Start.NOISE, 3);
        INDArray tokens = model.tokens(images), src = model.tokens(other);
        int c = 2;
        for (int i = 0; i < 3; i++) tokens.get(NDArrayIndex.point(i), NDArrayIndex.point(c)).assign(src.get(NDArrayIndex.point(i), NDArrayIndex.point(c)));
        INDArray manual = model.decode(tokens, model.noise(3, 3), ddim, 3);
        assertTrue(swapped.get(NDArrayIndex.point(c)).equalsWithEps(manual, 1e-5));
    }

    @Test
    void traversalAtTheImagesOwnValueIsItsReconstruction() {
        DdimConfig ddim = DdimConfig.of(4, 0.0);
        INDArray one = images.get(NDArrayIndex.interval(0, 1)).dup();
        double own = model.encode(one).getDouble(0, 1);
        INDArray row = model.traverse(one, 1, new double[]{own - 3, own, own + 3}, ddim, Start.NOISE, 4);
        INDArray rec = model.reconstruct(one, ddim, Start.NOISE, 4);
        assertTrue(row.get(NDArrayIndex.interval(1, 2)).equalsWithEps(rec, 1e-4));
        assertTrue(row.get(NDArrayIndex.point(0)).sub(row.get(NDArrayIndex.point(2))).amaxNumber().doubleValue() > 1e-4);
    }

    @Test
    void reconstructionFromTheInvertedNoiseReturnsTheInput() {
        DdimConfig ddim = DdimConfig.of(20, 0.0);
        INDArray tokens = model.tokens(images);
        INDArray xT = model.invert(images, tokens, ddim);
        INDArray back = model.decode(tokens, xT, ddim, 0);
        double err = back.sub(images).amaxNumber().doubleValue();
        double fromNoise = model.reconstruct(images, DdimConfig.of(4, 0.0), Start.NOISE, 0).sub(images).amaxNumber().doubleValue();
        System.out.printf("DDIM inversion round trip, 20 steps: max error %.4g (from noise %.4g)%n", err, fromNoise);
        assertTrue(err < 0.05, "inversion then sampling: max error " + err);
        assertTrue(fromNoise > 10 * err, "from noise the untrained model is far off: " + fromNoise + " vs " + err);
    }

    @Test
    void attentionMapsAreProbabilityMapsAtImageSize() {
        INDArray tokens = model.tokens(images);
        INDArray xT = model.noise(3, 2);
        // before averaging: each layer's softmax sums to 1 over tokens at every position and head
        var probs = model.crossAttention(xT, GaussianDiffusion.fill(3, 60), tokens);
        assertEquals(4, probs.size());
        for (var e : probs.entrySet()) {
            INDArray p = e.getValue();
            assertArrayEquals(new long[]{3, 2, 64, 4}, p.shape(), e.getKey());
            INDArray sums = p.sum(3);
            assertTrue(sums.sub(1.0).amaxNumber().doubleValue() < 1e-5, e.getKey());
        }
        INDArray maps = model.attentionMaps(tokens, xT, DdimConfig.of(4, 0.0), 2);
        assertArrayEquals(new long[]{3, 4, 16, 16}, maps.shape());
        assertTrue(maps.sum(1).sub(1.0).amaxNumber().doubleValue() < 1e-6);
        assertTrue(maps.minNumber().doubleValue() >= 0);
        assertTrue(maps.sub(0.25).amaxNumber().doubleValue() > 1e-3, "tokens are attended to unequally");
    }

    @Test
    void bilinearMatchesHalfPixelInterpolation() {
        // a 2x2 map to 4x4: PyTorch F.interpolate(mode='bilinear', align_corners=False) gives these rows
        INDArray in = Nd4j.create(new double[]{0, 1, 2, 3}, new long[]{1, 1, 2, 2}, DataType.DOUBLE);
        INDArray out = EncDiffModel.bilinear(in, 4);
        double[] want = {0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3};
        assertArrayEquals(want, out.data().asDouble(), 1e-12);
    }

    @Test
    void quantilesInterpolateLinearly() {
        INDArray codes = Nd4j.create(new double[][]{{4, 0}, {1, 10}, {3, 20}, {2, 30}});
        double[][] q = EncDiffModel.quantiles(codes, new double[]{0, 0.5, 1, 0.25});
        assertArrayEquals(new double[]{1, 0}, q[0], 1e-12);
        assertArrayEquals(new double[]{2.5, 15}, q[1], 1e-12);
        assertArrayEquals(new double[]{4, 30}, q[2], 1e-12);
        assertArrayEquals(new double[]{1.75, 7.5}, q[3], 1e-12);
    }

    @Test
    void checkpointOfAnotherModelIsRejected() {
        var s = new EncDiffSession(TinyEncDiff.config(), 1).state();
        Checkpoint other = new Checkpoint("tiny", s, Map.of(), Provenance.of(TinyEncDiff.YAML, 1, "none"));
        var ex = assertThrows(IllegalArgumentException.class, () -> EncDiffModel.fromCheckpoint(other, "x.zip"));
        assertTrue(ex.getMessage().contains("x.zip") && ex.getMessage().contains("tiny"), ex.getMessage());
        Checkpoint ok = new Checkpoint("encdiff", s, Map.of(), Provenance.of(TinyEncDiff.YAML, 1, "none"));
        assertFalse(EncDiffModel.fromCheckpoint(ok, "y.zip").crossAttentionLayers().isEmpty());
    }
}
