package org.factorlab.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The fused GroupNorm ops against GroupNorm written out as SameDiff ops and run by SameDiff itself (values and all
 * three gradients), on odd shapes; finite differences are in {@link BlockGradientTest} (its GroupNorm blocks are fused).
 */
class FusedGroupNormTest {
    /** {B, C, H, W, groups}: one group, one channel per group, spatial 1x1, odd sizes, a wide group. */
    private static final int[][] SHAPES = {{2, 6, 3, 5, 3}, {3, 4, 2, 2, 1}, {1, 5, 3, 3, 5}, {4, 8, 1, 1, 2}, {2, 32, 7, 6, 8}};

    @Test
    void valuesAndGradientsEqualTheWrittenOutGraphRunBySameDiff() {
        for (boolean silu : new boolean[] {false, true})
            for (boolean scaleShift : new boolean[] {false, true})
                for (int[] sh : SHAPES) {
                    Map<String, INDArray> fused = run(sh, false, scaleShift, silu, DataType.DOUBLE);
                    Map<String, INDArray> written = run(sh, true, scaleShift, silu, DataType.DOUBLE);
                    assertEquals(written.keySet(), fused.keySet());
                    for (String k : written.keySet())
                        assertClose(written.get(k), fused.get(k), 1e-10,
                                java.util.Arrays.toString(sh) + (scaleShift ? " scale-shift " : " ") + (silu ? "silu " : "") + k);
                }
    }

    @Test
    void floatValuesEqualUpToRoundingAndRepeatBitForBit() {
        int[] sh = {4, 16, 9, 9, 4};
        for (boolean silu : new boolean[] {false, true}) {
            Map<String, INDArray> fused = run(sh, false, true, silu, DataType.FLOAT), written = run(sh, true, true, silu, DataType.FLOAT);
            for (String k : written.keySet()) assertClose(written.get(k), fused.get(k), 1e-5, (silu ? "silu " : "") + k);
            Map<String, INDArray> again = run(sh, false, true, silu, DataType.FLOAT);
            for (String k : fused.keySet()) assertEquals(fused.get(k), again.get(k), k + " differs between two identical runs");
        }
    }

    /**
     * float32 arrays run in SIMD lanes (the tests' JVM has the vector module, as {@code bin/factorlab}'s does): values
     * and all five gradients equal the double kernel's on the same values to float rounding, on groups that are not a
     * multiple of the lane width, and with a mean 300 standard deviations from zero.
     */
    @Test
    void simdFloatLoopsGiveTheDoubleKernelsValues() {
        assertNotNull(SimdKernels.get(), "the test JVM lacks --add-modules jdk.incubator.vector (pom.xml jvm.opens)");
        int[][] shapes = {{2, 6, 3, 5, 3}, {3, 64, 8, 8, 8}, {2, 32, 7, 6, 8}, {4, 8, 1, 1, 2}};
        for (double mean : new double[] {0, 300})
            for (int[] sh : shapes) {
                int b = sh[0], c = sh[1], groups = sh[4];
                Nd4j.getRandom().setSeed(7);
                INDArray x = Nd4j.randn(DataType.FLOAT, b, c, sh[2], sh[3]).addi(mean), dy = Nd4j.randn(DataType.FLOAT, b, c, sh[2], sh[3]);
                INDArray gamma = Nd4j.rand(DataType.FLOAT, c).addi(0.5), beta = Nd4j.randn(DataType.FLOAT, c);
                INDArray scale = Nd4j.randn(DataType.FLOAT, b, c).muli(0.3), shift = Nd4j.randn(DataType.FLOAT, b, c);
                INDArray[] in = {x, gamma, beta, scale, shift, dy};
                INDArray[] inDouble = java.util.Arrays.stream(in).map(a -> a.castTo(DataType.DOUBLE)).toArray(INDArray[]::new);
                for (boolean silu : new boolean[] {false, true}) {
                    INDArray[] simd = kernelOutputs(in, groups, silu), exact = kernelOutputs(inDouble, groups, silu);
                    String[] names = {"y", "dx", "dgamma", "dbeta", "dscale", "dshift"};
                    for (int i = 0; i < simd.length; i++)
                        assertClose(exact[i], simd[i].castTo(DataType.DOUBLE), 2e-6,
                                java.util.Arrays.toString(sh) + " mean " + mean + (silu ? " silu " : " ") + names[i]);
                }
            }
    }

    /** {y, dx, dgamma, dbeta, dscale, dshift} of the kernel on {x, gamma, beta, scale, shift, dy}, in their type. */
    private static INDArray[] kernelOutputs(INDArray[] in, int groups, boolean silu) {
        INDArray x = in[0], gamma = in[1], beta = in[2], scale = in[3], shift = in[4], dy = in[5];
        INDArray[] out = {x.like(), x.like(), gamma.like(), beta.like(), scale.like(), shift.like()};
        GroupNormKernel.forward(x, gamma, beta, scale, shift, groups, 1e-5, out[0], silu);
        GroupNormKernel.backward(x, gamma, beta, scale, shift, dy, silu, groups, 1e-5, out[1], out[2], out[3], out[4], out[5]);
        return out;
    }

    @Test
    void kernelReadsViewsAtTheirOffsets() {
        INDArray x = Nd4j.randn(DataType.DOUBLE, 2, 4, 3, 3), dy = Nd4j.randn(DataType.DOUBLE, 2, 4, 3, 3);
        INDArray params = Nd4j.randn(DataType.DOUBLE, 1, 13);
        INDArray gamma = params.get(NDArrayIndex.point(0), NDArrayIndex.interval(5, 9)), beta = params.get(NDArrayIndex.point(0), NDArrayIndex.interval(1, 5));
        INDArray xs = Nd4j.create(DataType.DOUBLE, 3, 2, 4, 3, 3);
        INDArray xView = xs.get(NDArrayIndex.point(1)).assign(x);
        assertTrue(xView.offset() > 0 || xView.data().offset() > 0, "the check needs a view at an offset");
        INDArray y1 = Nd4j.create(DataType.DOUBLE, 2, 4, 3, 3), y2 = y1.like();
        GroupNormKernel.forward(xView, gamma, beta, null, null, 2, 1e-5, y1);
        GroupNormKernel.forward(x, gamma.dup(), beta.dup(), null, null, 2, 1e-5, y2);
        assertEquals(y2, y1);
        INDArray[] g1 = {x.like(), gamma.dup().assign(9), beta.dup().assign(9)}, g2 = {x.like(), Nd4j.create(DataType.DOUBLE, 4), Nd4j.create(DataType.DOUBLE, 4)};
        GroupNormKernel.backward(xView, gamma, beta, null, dy, 2, 1e-5, g1[0], g1[1], g1[2], null, null);
        GroupNormKernel.backward(x, gamma.dup(), beta.dup(), null, dy, 2, 1e-5, g2[0], g2[1], g2[2], null, null);
        for (int i = 0; i < 3; i++) assertEquals(g2[i], g1[i].reshape(g2[i].shape()), "output " + i);
    }

    @Test
    void badInputsAreNamed() {
        INDArray x = Nd4j.rand(DataType.FLOAT, 2, 6, 3, 3), g = Nd4j.ones(DataType.FLOAT, 6), b = Nd4j.zeros(DataType.FLOAT, 6);
        var groups = assertThrows(IllegalArgumentException.class, () -> GroupNormKernel.forward(x, g, b, null, null, 4, 1e-5, x.like()));
        assertTrue(groups.getMessage().contains("6 channels not divisible by 4 groups"), groups.getMessage());
        INDArray transposed = Nd4j.rand(DataType.FLOAT, 3, 3, 6, 2).permute(3, 2, 0, 1);
        var layout = assertThrows(IllegalArgumentException.class, () -> GroupNormKernel.forward(transposed, g, b, null, null, 3, 1e-5, x.like()));
        assertTrue(layout.getMessage().contains("contiguous"), layout.getMessage());
        var params = assertThrows(IllegalArgumentException.class, () -> GroupNormKernel.forward(x, Nd4j.ones(DataType.FLOAT, 5), b, null, null, 3, 1e-5, x.like()));
        assertTrue(params.getMessage().contains("expected 6 per-channel values"), params.getMessage());
        var ints = assertThrows(IllegalArgumentException.class, () -> GroupNormKernel.forward(x.castTo(DataType.INT32), g, b, null, null, 3, 1e-5, x.like()));
        assertTrue(ints.getMessage().contains("INT"), ints.getMessage());
        var scale = assertThrows(IllegalArgumentException.class,
                () -> GroupNormKernel.forward(x, g, b, Nd4j.ones(DataType.FLOAT, 2, 5), Nd4j.ones(DataType.FLOAT, 2, 5), 3, 1e-5, x.like()));
        assertTrue(scale.getMessage().contains("per-sample values [2, 6]"), scale.getMessage());
    }

    /**
     * {@code loss = sum(GroupNorm(x) * r)} (with {@code scaleShift}, of {@code GN(x) * (1 + scale) + shift}; with
     * {@code silu}, of SiLU of that) with x,
     * scale and shift variables: y and the gradients of x, weight and bias (and scale, shift). Written out: SameDiff's
     * own executor; fused: {@link CompiledGraph}.
     */
    private static Map<String, INDArray> run(int[] sh, boolean writtenOut, boolean scaleShift, boolean silu, DataType dt) {
        int b = sh[0], c = sh[1], h = sh[2], w = sh[3], groups = sh[4];
        SameDiff sd = SameDiff.create();
        Scope s = Scope.root(sd, dt, 3);
        SDVariable x = s.uniform("x", 2.0, b, c, h, w);
        SDVariable scale = scaleShift ? s.uniform("scale", 0.8, b, c) : null, shift = scaleShift ? s.uniform("shift", 0.8, b, c) : null;
        SDVariable y;
        try (var form = writtenOut ? Layers.writtenOut() : null) {
            y = silu ? Layers.groupNormSilu(s.child("gn"), x, c, h, w, groups, 1e-5, scale, shift)
                    : Layers.groupNorm(s.child("gn"), x, c, h, w, groups, 1e-5, scale, shift);
        }
        GradientCheck.randomize(sd, 1.5, 17);
        Nd4j.getRandom().setSeed(29);
        y.mul(sd.constant(Nd4j.rand(dt, b, c, h, w).subi(0.3))).sum().rename("loss");
        sd.setLossVariables("loss");
        List<String> wrt = scaleShift ? List.of("x", "gn/weight", "gn/bias", "scale", "shift") : List.of("x", "gn/weight", "gn/bias");
        Map<String, INDArray> got;
        if (writtenOut) {
            var og = sd.calculateGradientsAndOutputs(Map.of(), List.of(y.name()), wrt);
            got = new HashMap<>(og.getGradients());
            got.put(y.name(), og.getOutputs().get(y.name()));
        } else {
            got = CompiledGraph.gradients(sd, List.of(y.name()), wrt).run(Map.of());
        }
        Map<String, INDArray> out = new HashMap<>();
        out.put("y", got.get(y.name()).dup());
        for (String v : wrt) out.put(v, got.get(v).dup());
        return out;
    }

    private static void assertClose(INDArray want, INDArray got, double relative, String what) {
        assertArrayEquals(want.shape(), got.shape(), what);
        double scale = Math.max(1e-12, want.amaxNumber().doubleValue());
        double diff = want.sub(got).amaxNumber().doubleValue();
        assertTrue(diff <= relative * scale, what + ": max |diff| " + diff + " vs scale " + scale);
    }
}
