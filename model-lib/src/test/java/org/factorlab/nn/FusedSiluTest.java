package org.factorlab.nn;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The fused SiLU against SameDiff's swish run by SameDiff itself; finite gradients where libnd4j's overflow. */
class FusedSiluTest {
    /** loss = sum(silu(x) * r): {silu(x), dloss/dx}, fused (CompiledGraph) or written out (SameDiff's executor). */
    private static INDArray[] run(INDArray xv, INDArray r, boolean writtenOut) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.var("x", xv.dup());
        SDVariable y;
        try (var form = writtenOut ? Layers.writtenOut() : null) {
            y = Layers.silu(x);
        }
        y.mul(sd.constant(r)).sum("loss");
        sd.setLossVariables("loss");
        if (writtenOut) {
            var og = sd.calculateGradientsAndOutputs(Map.of(), List.of(y.name()), List.of("x"));
            return new INDArray[] {og.getOutputs().get(y.name()), og.getGradients().get("x")};
        }
        Map<String, INDArray> got = CompiledGraph.gradients(sd, List.of(y.name()), List.of("x")).run(Map.of());
        return new INDArray[] {got.get(y.name()).dup(), got.get("x").dup()};
    }

    @Test
    void valuesAndGradientEqualSwishRunBySameDiff() {
        INDArray x = Nd4j.linspace(-8, 8, 161, DataType.DOUBLE).reshape(7, 23);
        INDArray r = Nd4j.linspace(-1, 1.5, 161, DataType.DOUBLE).reshape(7, 23);
        INDArray[] fused = run(x, r, false), written = run(x, r, true);
        for (int k = 0; k < 2; k++) {
            double scale = written[k].amaxNumber().doubleValue();
            assertTrue(written[k].sub(fused[k]).amaxNumber().doubleValue() <= 1e-12 * scale, (k == 0 ? "values " : "gradient ") + fused[k]);
        }
    }

    /**
     * The SIMD kernels (float32; the tests' JVM has the vector module): the sigmoid and SiLU within 2e-7 relative
     * (about 3 float ulps; the largest seen is 1.3e-7) of the exact values in double over [-100, 100] and on special
     * values; beyond the exponential's clamp at -87.3 the sigmoid is off by at most 2e-38 in absolute terms. The
     * backward is the formula, to float rounding.
     */
    @Test
    void simdKernelsAreWithinAFewUlps() {
        SimdKernels simd = SimdKernels.get();
        assertNotNull(simd, "the test JVM lacks --add-modules jdk.incubator.vector (pom.xml jvm.opens)");
        int n = 200_003;   // not a multiple of the lane width: the masked last vector too
        float[] x = new float[n], y = new float[n], s = new float[n], dy = new float[n], dx = new float[n];
        for (int i = 0; i < n; i++) {
            x[i] = -100f + 200f * i / (n - 1);
            dy[i] = (float) Math.sin(i);
        }
        float[] special = {0f, -0f, 1e-40f, -1e-40f, 87.3f, -87.3f, 88.3f, -88.3f, 1e30f, -1e30f, Float.MAX_VALUE, -Float.MAX_VALUE};
        System.arraycopy(special, 0, x, 1, special.length);
        simd.siluForward(x, y, s, n);
        simd.siluBackward(s, y, dy, dx, n);
        for (int i = 0; i < n; i++) {
            double exact = 1 / (1 + Math.exp(-(double) x[i]));
            assertTrue(Math.abs(s[i] - exact) <= 2e-7 * exact + 2e-38, "sigmoid(" + x[i] + ") = " + s[i] + ", exact " + exact);
            assertTrue(Math.abs(y[i] - x[i] * exact) <= 2e-7 * Math.abs(x[i] * exact) + Math.abs(x[i]) * 2e-38,
                    "silu(" + x[i] + ") = " + y[i] + ", exact " + x[i] * exact);
            double grad = dy[i] * ((double) s[i] + (double) y[i] * (1 - (double) s[i]));
            assertTrue(Math.abs(dx[i] - grad) <= 1e-6 * Math.abs(dy[i]) * (1 + Math.abs(x[i])), "dx at " + x[i] + ": " + dx[i] + " vs " + grad);
        }
    }

    /** From {@link FusedSilu#VECTORISED_SIGMOID} values per sample on, the sigmoid runs through tanh: as accurate. */
    @Test
    void largeArraysTakeTheTanhFormWithTheSameValues() {
        int n = (int) FusedSilu.VECTORISED_SIGMOID * 6;
        INDArray x = Nd4j.linspace(-30, 30, n, DataType.DOUBLE).castTo(DataType.FLOAT).reshape(3, n / 3);
        INDArray r = Nd4j.linspace(-1, 1.5, n, DataType.DOUBLE).castTo(DataType.FLOAT).reshape(3, n / 3);
        INDArray[] fused = run(x, r, false), written = run(x, r, true);
        for (int k = 0; k < 2; k++) {
            double scale = written[k].amaxNumber().doubleValue();
            double diff = written[k].sub(fused[k]).amaxNumber().doubleValue();
            assertTrue(diff <= 1e-6 * scale, (k == 0 ? "values" : "gradient") + ": max |diff| " + diff + " vs scale " + scale);
        }
    }

    /** A row's values do not depend on the batch it is in, on either side of the size where the sigmoid's form changes. */
    @Test
    void aRowsValuesDoNotDependOnItsBatch() {
        for (long perSample : new long[] {FusedSilu.VECTORISED_SIGMOID / 2, FusedSilu.VECTORISED_SIGMOID}) {
            INDArray batch = Nd4j.linspace(-6, 6, 40 * perSample, DataType.DOUBLE).castTo(DataType.FLOAT).reshape(40, perSample);
            INDArray r = Nd4j.ones(DataType.FLOAT, 40, perSample);
            INDArray all = run(batch, r, false)[0];
            INDArray one = run(batch.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(7, 8), org.nd4j.linalg.indexing.NDArrayIndex.all()).dup(),
                    r.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(7, 8), org.nd4j.linalg.indexing.NDArrayIndex.all()).dup(), false)[0];
            // bit for bit (INDArray.equals allows 1e-5)
            assertArrayEquals(all.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(7, 8), org.nd4j.linalg.indexing.NDArrayIndex.all()).dup()
                    .data().asFloat(), one.data().asFloat(), perSample + " values per sample");
        }
    }

    @Test
    void gradientIsFiniteForLargeInputsInFloat32() {
        INDArray x = Nd4j.createFromArray(new float[] {-100f, -50f, -1e-40f, 0f, 1e-40f, 50f, 100f, 1e30f}).reshape(1, 8);
        INDArray r = Nd4j.ones(DataType.FLOAT, 1, 8);
        INDArray[] fused = run(x, r, false);
        assertTrue(!fused[1].isNaN().any() && !fused[1].isInfinite().any(), fused[1].toString());
        assertEquals(1.0, fused[1].getDouble(0, 6), 1e-6, "silu'(x) -> 1 for large x");
        assertEquals(0.0, fused[1].getDouble(0, 0), 1e-6, "silu'(x) -> 0 for very negative x");
        assertEquals(0.5, fused[1].getDouble(0, 3), 1e-7, "silu'(0) = 1/2");
        assertEquals(100.0, fused[0].getDouble(0, 6), 1e-4);
    }
}
