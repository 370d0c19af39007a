package org.factorlab.vq;

import org.factorlab.nn.Layers;
import org.factorlab.nn.CompiledGraph;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.factorlab.nn.GradientCheck;
import org.factorlab.nn.Scope;
import org.factorlab.train.Losses;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Shapes, LDM's asymmetric Downsample, the adaptive weight's gradient norms and a finite-difference check of the loss. */
class VqNetworksTest {
    @Test
    void downsampleIsPadRightBottomThenStride2Conv() {
        SameDiff sd = SameDiff.create();
        int c = 2, side = 6;
        INDArray in = Nd4j.rand(DataType.DOUBLE, 1, c, side, side);
        SDVariable x = sd.var("x", in);
        VqNetworks.Feature out = VqNetworks.downsample(Scope.root(sd, DataType.DOUBLE, 1).child("down"), new VqNetworks.Feature(x, c, side));
        INDArray y = out.x().eval();
        INDArray w = sd.getArrForVarName("down/conv/weight"), b = sd.getArrForVarName("down/conv/bias");
        assertArrayEquals(new long[]{1, c, 3, 3}, y.shape());
        for (int co = 0; co < c; co++)
            for (int oy = 0; oy < 3; oy++)
                for (int ox = 0; ox < 3; ox++) {
                    double s = b.getDouble(co);
                    for (int ci = 0; ci < c; ci++)
                        for (int ky = 0; ky < 3; ky++)
                            for (int kx = 0; kx < 3; kx++) {
                                int iy = 2 * oy + ky, ix = 2 * ox + kx;          // pad (0, 1, 0, 1): no shift, zeros past the end
                                if (iy < side && ix < side) s += in.getDouble(0, ci, iy, ix) * w.getDouble(ky, kx, ci, co);
                            }
                    assertEquals(s, y.getDouble(0, co, oy, ox), 1e-12, "(" + co + "," + oy + "," + ox + ")");
                }
    }

    @Test
    void encoderAndDecoderShapesAtF4() {
        VqConfig cfg = TinyVq.config("model: {imageSize: 32, chMult: [1, 2, 2], attnResolutions: []}");
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, DataType.FLOAT, 0);
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 3, 32, 32);
        VqNetworks.Feature z = VqNetworks.encode(root, x, cfg.model());
        VqNetworks.Decoded d = VqNetworks.decode(root, z.x(), cfg.model());
        Map<String, INDArray> out = CompiledGraph.outputs(sd, List.of(z.x().name(), d.image().name()))
                .run(Map.of("x", Nd4j.rand(DataType.FLOAT, 2, 3, 32, 32)));
        assertArrayEquals(new long[]{2, 3, 8, 8}, out.get(z.x().name()).shape());
        assertArrayEquals(new long[]{2, 3, 32, 32}, out.get(d.image().name()).shape());
        assertEquals(8, cfg.model().latentSize());
        assertTrue(sd.hasVariable("decoder/conv_out/weight") && sd.hasVariable("encoder/mid/attn_1/q/weight"));
    }

    @Test
    void weightGradientNormOfA3x3ConvMatchesSameDiff() {
        SameDiff sd = SameDiff.create();
        INDArray h = Nd4j.rand(DataType.DOUBLE, 2, 4, 5, 5), g = Nd4j.rand(DataType.DOUBLE, 2, 3, 5, 5).subi(0.5);
        SDVariable w = sd.var("w", Nd4j.rand(DataType.DOUBLE, 3, 3, 4, 3));
        SDVariable y = sd.cnn().conv2d(sd.constant("h", h), w, org.nd4j.linalg.api.ops.impl.layers.convolution.config.Conv2DConfig.builder()
                .kH(3).kW(3).sH(1).sW(1).pH(1).pW(1).dataFormat("NCHW").build());
        sd.setLossVariables(y.mul(sd.constant("g", g)).sum().rename("l").name());
        double want = sd.calculateGradients(Map.of(), List.of("w")).get("w").norm2Number().doubleValue();
        assertEquals(want, VqLosses.conv3x3WeightGradientNorm(h, g), 1e-10 * want);
    }

    @Test
    void adaptiveWeightMatchesTamingsFormulaOnATinyGraph() {
        VqConfig cfg = TinyVq.config();
        VqSession session = new VqSession(cfg, 3, DataType.DOUBLE);
        INDArray x = TinyVq.images(4, 1).castTo(DataType.DOUBLE);
        // independent: the same graph (same seed: same parameters), written out and run by SameDiff itself, each loss's
        // gradient w.r.t. the last conv weight
        VqGraph.Built built;
        try (var w = Layers.writtenOut()) {
            built = VqGraph.training(cfg, DataType.DOUBLE, 3);
        }
        SameDiff sd = built.sd();
        Map<String, INDArray> ph = Map.of(VqGraph.X, x, VqGraph.G_WEIGHT, Nd4j.scalar(0.3), VqGraph.DISC_FACTOR, Nd4j.scalar(1.0));
        String last = "decoder/conv_out/weight";
        sd.setLossVariables(VqGraph.REC);
        double nll = sd.calculateGradients(ph, List.of(last)).get(last).norm2Number().doubleValue();
        sd.setLossVariables(VqGraph.G);
        double g = sd.calculateGradients(ph, List.of(last)).get(last).norm2Number().doubleValue();
        double want = Math.max(0, Math.min(1e4, nll / (g + 1e-4))) * cfg.loss().discriminator().weight();
        assertTrue(nll > 0 && g > 0);
        assertEquals(want, session.adaptiveWeight(x), 1e-9 * want);
        assertEquals(0.0, VqLosses.adaptiveWeight(0, 1, 0.75), 0);
        assertEquals(1e4 * 0.75, VqLosses.adaptiveWeight(1, 0, 0.75), 0, "clamped at 1e4");
    }

    /**
     * Finite differences of the loss each group minimises. The stop-gradient routing makes {@code total} no single
     * function's gradient: the decoder and post_quant_conv minimise {@code rec + w_cb codebook + g_weight g} (the
     * hinge sees the reconstruction through a stop-gradient), the discriminator minimises {@code disc}. The encoder's
     * and the codebook's gradients go through the straight-through estimator, which is by design not a derivative of
     * the loss; VqQuantizerTest checks them against their formulas.
     */
    @Test
    void groupLossGradientsMatchFiniteDifferences() {
        VqConfig cfg = TinyVq.config("model: {imageSize: 8, ch: 4, groups: 2, attnResolutions: [4]}");
        VqGraph.Built built = VqGraph.training(cfg, DataType.DOUBLE, 5);
        SameDiff sd = built.sd();
        GradientCheck.randomize(sd, 0.3, 9);
        INDArray x = TinyVq.images(3, 2).castTo(DataType.DOUBLE).get(org.nd4j.linalg.indexing.NDArrayIndex.all(),
                org.nd4j.linalg.indexing.NDArrayIndex.all(), org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 8),
                org.nd4j.linalg.indexing.NDArrayIndex.interval(0, 8)).dup();
        Map<String, INDArray> ph = Map.of(VqGraph.X, x, VqGraph.G_WEIGHT, Nd4j.scalar(0.7), VqGraph.DISC_FACTOR, Nd4j.scalar(1.0));
        sd.getVariable(VqGraph.REC).add(sd.getVariable(VqGraph.CODEBOOK_LOSS).mul(cfg.loss().codebookWeight()))
                .add(sd.getVariable(VqGraph.G).mul(0.7)).rename("ae");
        List<String> decoder = List.of("post_quant_conv/weight", "decoder/conv_in/weight", "decoder/mid/attn_1/q/weight",
                "decoder/mid/attn_1/norm/weight", "decoder/up0/block1/conv2/weight", "decoder/up0/block0/nin_shortcut/bias",
                "decoder/up1/upsample/conv/weight", "decoder/conv_out/weight", "decoder/conv_out/bias");
        GradientCheck.Result ae = GradientCheck.check(sd, "ae", ph, decoder, 3, 1e-6, 1e-4, 1e-8, 11);
        assertTrue(ae.passed(), "autoencoder: " + ae);
        List<String> disc = built.groups().get(VqGraph.DISCRIMINATOR_GROUP);
        GradientCheck.Result d = GradientCheck.check(sd, VqGraph.DISC, ph, disc, 3, 1e-6, 1e-4, 1e-8, 12);
        assertTrue(d.passed(), "discriminator: " + d);
    }

    @Test
    void anImageSizeTheFirstStageCannotTakeNamesTheKey() {
        var e = assertThrows(IllegalArgumentException.class, () -> TinyVq.config("model: {imageSize: 18, chMult: [1, 2, 4]}"));
        assertTrue(e.getMessage().contains(VqConfig.IMAGE_SIZE_KEY) && e.getMessage().contains("18"), e.getMessage());
        var d = assertThrows(IllegalArgumentException.class, () -> TinyVq.config("loss: {discriminator: {layers: 3}}"));
        assertTrue(d.getMessage().contains(VqConfig.DISC_LAYERS_KEY), d.getMessage());
        var u = assertThrows(IllegalArgumentException.class, () -> TinyVq.config("model: {nEmbeds: 3}"));
        assertTrue(u.getMessage().contains("nEmbeds"), u.getMessage());
    }
}
