package org.factorlab.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.factorlab.nn.Blocks.Feature;
import org.factorlab.nn.Blocks.Resample;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** Every block's SameDiff gradient against central finite differences, in double precision, at tiny sizes. */
class BlockGradientTest {
    static final DataType D = DataType.DOUBLE;

    /** Builds {@code block(input)} on a random input variable, loss = sum(out * R) with a fixed random R, and checks. */
    static GradientCheck.Result checkBlock(long[] inputShape, int everyNth, int perVariable,
                                           java.util.function.BiFunction<Scope, SDVariable, SDVariable> block) {
        SameDiff sd = SameDiff.create();
        Scope s = Scope.root(sd, D, 7);
        SDVariable in = s.uniform("input", 1.0, inputShape);
        SDVariable out = block.apply(s.child("blk"), in);
        long[] outShape = CompiledGraph.outputs(sd, List.of(out.name())).run(Map.of()).get(out.name()).shape();
        SDVariable r = sd.constant(Nd4j.rand(D, outShape).subi(0.5));
        out.mul(r).sum().rename("loss");
        GradientCheck.randomize(sd, 0.5, 11);
        List<String> all = GradientCheck.trainable(sd);
        List<String> vars = new ArrayList<>();
        for (int i = 0; i < all.size(); i++) if (i % everyNth == 0 || all.get(i).equals("input")) vars.add(all.get(i));
        var result = GradientCheck.check(sd, "loss", Map.of(), vars, perVariable, 1e-6, 1e-4, 1e-9, 3);
        assertTrue(result.passed(), result.toString());
        return result;
    }

    static GradientCheck.Result check(long[] inputShape, java.util.function.BiFunction<Scope, SDVariable, SDVariable> block) {
        return checkBlock(inputShape, 1, 3, block);
    }

    @Test
    void groupNorm() {
        check(new long[]{2, 4, 3, 3}, (s, x) -> Layers.groupNorm(s, x, 4, 3, 3, 2, 1e-5));
    }

    @Test
    void groupNormMatchesDefinition() {
        SameDiff sd = SameDiff.create();
        INDArray x = Nd4j.rand(D, 2, 4, 3, 3);
        SDVariable in = sd.constant(x);
        SDVariable y = Layers.groupNormNoAffine(in, 4, 3, 3, 2, 1e-5);
        INDArray got = y.eval();
        for (int b = 0; b < 2; b++)
            for (int g = 0; g < 2; g++) {
                INDArray grp = x.get(org.nd4j.linalg.indexing.NDArrayIndex.point(b),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(2 * g, 2 * g + 2)).dup();
                double mean = grp.meanNumber().doubleValue();
                double var = grp.sub(mean).muli(grp.sub(mean)).meanNumber().doubleValue();
                INDArray want = grp.sub(mean).divi(Math.sqrt(var + 1e-5));
                INDArray have = got.get(org.nd4j.linalg.indexing.NDArrayIndex.point(b),
                        org.nd4j.linalg.indexing.NDArrayIndex.interval(2 * g, 2 * g + 2));
                assertTrue(want.equalsWithEps(have, 1e-10), "group " + g + " of sample " + b);
            }
    }

    @Test
    void layerNormAndGelu() {
        check(new long[]{5, 6}, (s, x) -> Layers.gelu(Layers.layerNorm(s, x, 6, 1e-5)));
    }

    @Test
    void conv2dAndResampling() {
        check(new long[]{2, 3, 4, 4}, (s, x) -> Layers.upsampleNearest2(Layers.avgPool2(Layers.conv2d(s, x, 3, 2, 3, 1, 1, false))));
    }

    @Test
    void resBlockWithSkipConv() {
        check(new long[]{2, 4, 4, 4}, (s, x) -> {
            SDVariable emb = s.uniform("emb_in", 1.0, 2, 8);
            return Blocks.resBlock(s, new Feature(x, 4, 4, 4), 6, emb, 8, null, 0, Resample.NONE, 2).x();
        });
    }

    @Test
    void resBlockDownUpAndAdaGn() {
        check(new long[]{2, 4, 4, 4}, (s, x) -> {
            SDVariable emb = s.uniform("emb_in", 1.0, 2, 8);
            SDVariable cond = s.uniform("cond_in", 1.0, 2, 5);
            Feature f = Blocks.resBlock(s.child("d"), new Feature(x, 4, 4, 4), 4, emb, 8, cond, 5, Resample.DOWN, 2);
            return Blocks.resBlock(s.child("u"), f, 4, emb, 8, cond, 5, Resample.UP, 2).x();
        });
    }

    @Test
    void attentionSelfAndCross() {
        check(new long[]{2 * 4, 6}, (s, x) -> {
            SDVariable ctx = s.uniform("ctx_in", 1.0, 2 * 3, 5);
            SDVariable self = Layers.attention(s.child("a1"), x, 4, 6, x, 4, 6, 2, 3);
            return Layers.attention(s.child("a2"), self, 4, 6, ctx, 3, 5, 2, 3);
        });
    }

    @Test
    void gegluFeedForward() {
        check(new long[]{5, 4}, (s, x) -> Blocks.feedForward(s, x, 4, 4));
    }

    @Test
    void spatialTransformerSelfAndCrossAttention() {
        check(new long[]{2, 4, 3, 3}, (s, x) -> {
            SDVariable ctx = s.uniform("ctx_in", 1.0, 2 * 3, 5);
            return Blocks.spatialTransformer(s, new Feature(x, 4, 3, 3), 2, 2, 1, true, ctx, 3, 5, 2).x();
        });
    }

    @Test
    void spatialTransformerCrossAttentionOnly() {
        check(new long[]{2, 4, 3, 3}, (s, x) -> {
            SDVariable ctx = s.uniform("ctx_in", 1.0, 2 * 3, 5);
            return Blocks.spatialTransformer(s, new Feature(x, 4, 3, 3), 2, 2, 1, false, ctx, 3, 5, 2).x();
        });
    }

    @Test
    void timeEmbeddingMlp() {
        // Timesteps are inputs, not parameters: check the MLP's weights with t fixed.
        check(new long[]{1}, (s, unused) -> {
            SDVariable t = s.sd().constant(Nd4j.createFromArray(3.0, 250.0, 999.0));
            return Blocks.timeMlp(s, t, 6, 8).add(unused.sum());
        });
    }

    @Test
    void encoder4BatchNormTrainMode() {
        EncoderConfig c = new EncoderConfig(3, 16, 4, 4, 2, 5, EncoderNorm.BATCH, 0.1);
        check(new long[]{3, 3, 16, 16}, (s, x) -> Encoder4.build(s, c, x, Encoder4.Mode.TRAIN).code());
    }

    @Test
    void encoder4GroupNorm() {
        EncoderConfig c = new EncoderConfig(3, 16, 4, 4, 1, 5, EncoderNorm.GROUP, 0.1);
        check(new long[]{2, 3, 16, 16}, (s, x) -> Encoder4.build(s, c, x, Encoder4.Mode.TRAIN).code());
    }

    @Test
    void scalarTokenMlps() {
        TokenConfig c = new TokenConfig(TokenConfig.TokenKind.SCALAR, 3, 4, 5, 6);
        check(new long[]{2, 3}, (s, z) -> TokenMlps.tokens(s, c, z));
    }

    @Test
    void scalarTokenMlpsAreIndependentPerFactor() {
        // Token k must be exactly MLP_k(z_k): compare the batched graph with a per-factor evaluation.
        TokenConfig c = new TokenConfig(TokenConfig.TokenKind.SCALAR, 3, 4, 5, 6);
        SameDiff sd = SameDiff.create();
        Scope s = Scope.root(sd, D, 5);
        INDArray z = Nd4j.rand(D, 2, 3).subi(0.5).muli(4);
        SDVariable tok = TokenMlps.tokens(s, c, sd.constant(z));
        INDArray got = tok.eval().reshape(2, 3, 4);
        INDArray w1 = sd.getArrForVarName("l1/weight"), b1 = sd.getArrForVarName("l1/bias");
        INDArray w2 = sd.getArrForVarName("l2/weight"), b2 = sd.getArrForVarName("l2/bias");
        INDArray w3 = sd.getArrForVarName("l3/weight"), b3 = sd.getArrForVarName("l3/bias");
        for (int b = 0; b < 2; b++)
            for (int k = 0; k < 3; k++) {
                double zk = z.getDouble(b, k);
                double[] h1 = new double[5];
                for (int i = 0; i < 5; i++) h1[i] = elu(zk * w1.getDouble(0, k, i) + b1.getDouble(0, k, i));
                double[] h2 = new double[6];
                for (int o = 0; o < 6; o++) {
                    double a = b2.getDouble(k, 0, o);
                    for (int i = 0; i < 5; i++) a += h1[i] * w2.getDouble(k, i, o);
                    h2[o] = elu(a);
                }
                for (int o = 0; o < 4; o++) {
                    double a = b3.getDouble(k, 0, o);
                    for (int i = 0; i < 6; i++) a += h2[i] * w3.getDouble(k, i, o);
                    org.junit.jupiter.api.Assertions.assertEquals(a, got.getDouble(b, k, o), 1e-12);
                }
            }
    }

    private static double elu(double x) {
        return x > 0 ? x : Math.exp(x) - 1;
    }

    @Test
    void tinyUNetWithCrossAttention() {
        // A whole U-Net has ~230 variables and each finite difference is a full forward pass (~900 ops): sample
        // every 23rd variable; the blocks above are checked entry by entry.
        UNetConfig c = new UNetConfig(2, 2, 4, 4, List.of(1, 2), 1, List.of(2), List.of(1), 2, 0, 2, true, 1);
        checkBlock(new long[]{2, 2, 4, 4}, 23, 1, (s, x) -> {
            SDVariable t = s.sd().constant(Nd4j.createFromArray(10.0, 500.0));
            SDVariable ctx = s.uniform("ctx_in", 1.0, 2 * 3, 5);
            return UNet.build(s, c, x, t, ctx, 3, 5, null, 0);
        });
    }

    @Test
    void unetShapes() {
        UNetConfig c = new UNetConfig(3, 3, 8, 8, List.of(1, 2, 2), 2, List.of(2, 4), List.of(), 2, 0, 4, false, 1);
        SameDiff sd = SameDiff.create();
        Scope s = Scope.root(sd, DataType.FLOAT, 1);
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 3, 8, 8);
        SDVariable t = sd.placeHolder("t", DataType.FLOAT, -1);
        SDVariable ctx = sd.placeHolder("ctx", DataType.FLOAT, -1, 6);
        SDVariable y = UNet.build(s, c, x, t, ctx, 4, 6, null, 0);
        INDArray out = CompiledGraph.outputs(sd, List.of(y.name())).run(Map.of("x", Nd4j.rand(DataType.FLOAT, 3, 3, 8, 8), "t",
                Nd4j.createFromArray(1f, 2f, 3f), "ctx", Nd4j.rand(DataType.FLOAT, 12, 6))).get(y.name());
        assertArrayEquals(new long[]{3, 3, 8, 8}, out.shape());
        // zero-initialised output conv: the untrained U-Net predicts exactly 0
        assertTrue(out.amaxNumber().doubleValue() == 0.0);
    }
}
