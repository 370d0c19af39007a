package org.factorlab.train.optim;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The fused Adam/AdamW against torch.optim's single-tensor formulas written out in double precision. */
class AdamTest {
    private static final int N = 7;

    @ParameterizedTest
    @EnumSource(OptimizerKind.class)
    void matchesTorchFormulasOverStepsWithWarmupDecayAndClipping(OptimizerKind kind) {
        OptimizerConfig cfg = new OptimizerConfig(kind, 0.01, 0.9, 0.99, 1e-3, 0.05, 3, 0.5);
        double[] p = {0.5, -1.0, 2.0, 0.0, 0.25, -0.75, 1.5}, q = {1.0, -2.0};
        double[][] mv = {new double[N], new double[N], new double[2], new double[2]};
        Map<String, INDArray> params = new LinkedHashMap<>();
        params.put("a", Nd4j.createFromArray(p).castTo(DataType.DOUBLE));
        params.put("b", Nd4j.createFromArray(q).castTo(DataType.DOUBLE));
        Adam adam = new Adam(cfg, params);
        SplittableRandom r = new SplittableRandom(3);
        for (int step = 0; step < 6; step++) {
            double[] ga = new double[N], gb = new double[2];
            for (int i = 0; i < N; i++) ga[i] = r.nextDouble(-2, 2);
            for (int i = 0; i < 2; i++) gb[i] = r.nextDouble(-2, 2);
            Map<String, INDArray> grads = Map.of("a", Nd4j.createFromArray(ga.clone()), "b", Nd4j.createFromArray(gb.clone()));
            double norm = adam.apply(step, params, grads);
            // reference: global norm clip (torch.nn.utils.clip_grad_norm_), then the optimizer step
            double sq = 0;
            for (double g : ga) sq += g * g;
            for (double g : gb) sq += g * g;
            double want = Math.sqrt(sq);
            assertEquals(want, norm, 1e-12, "norm at step " + step);
            double f = want > 0.5 ? 0.5 / (want + 1e-6) : 1;
            reference(cfg, step, p, ga, mv[0], mv[1], f);
            reference(cfg, step, q, gb, mv[2], mv[3], f);
            for (int i = 0; i < N; i++) assertEquals(p[i], params.get("a").getDouble(i), 1e-12, kind + " a[" + i + "] step " + step);
            for (int i = 0; i < 2; i++) assertEquals(q[i], params.get("b").getDouble(i), 1e-12, kind + " b[" + i + "] step " + step);
        }
        Map<String, INDArray> state = adam.state();
        assertEquals(mv[0][3], state.get(Adam.M + "a").getDouble(3), 1e-12);
        assertEquals(mv[1][3], state.get(Adam.V + "a").getDouble(3), 1e-12);
    }

    /**
     * Without clipping every array's update is independent of the others: one optimizer over arrays of several shapes
     * (a matrix, a scalar, a vector: views of one flat buffer) equals one optimizer per array, bit for bit.
     */
    @ParameterizedTest
    @EnumSource(OptimizerKind.class)
    void theFlatBufferEqualsOneOptimizerPerArray(OptimizerKind kind) {
        OptimizerConfig cfg = new OptimizerConfig(kind, 0.01, 0.9, 0.99, 1e-8, 0.05, 2, 0);
        Map<String, INDArray> together = new LinkedHashMap<>();
        together.put("w", Nd4j.rand(DataType.FLOAT, 2, 3));
        together.put("s", Nd4j.scalar(0.7f));
        together.put("b", Nd4j.rand(DataType.FLOAT, 4));
        Map<String, Map<String, INDArray>> apart = new LinkedHashMap<>();
        Map<String, Adam> apartAdams = new LinkedHashMap<>();
        for (var e : together.entrySet()) {
            Map<String, INDArray> one = new LinkedHashMap<>(Map.of(e.getKey(), e.getValue().dup()));
            apart.put(e.getKey(), one);
            apartAdams.put(e.getKey(), new Adam(cfg, one));
        }
        Adam adam = new Adam(cfg, together);
        for (int step = 0; step < 5; step++) {
            Map<String, INDArray> grads = new LinkedHashMap<>();
            for (var e : together.entrySet()) grads.put(e.getKey(), Nd4j.randn(DataType.FLOAT, e.getValue().shape()));
            Map<String, INDArray> copy = new LinkedHashMap<>();
            grads.forEach((k, g) -> copy.put(k, g.dup()));
            adam.apply(step, together, grads);
            assertEquals(copy, grads, "the gradients are only read");
            for (String k : together.keySet()) apartAdams.get(k).apply(step, apart.get(k), Map.of(k, copy.get(k)));
        }
        for (String k : together.keySet()) {
            assertEquals(apart.get(k).get(k), together.get(k), k);
            assertEquals(apartAdams.get(k).state().get(Adam.V + k), adam.state().get(Adam.V + k), k);
            org.junit.jupiter.api.Assertions.assertArrayEquals(together.get(k).shape(), adam.state().get(Adam.M + k).shape(), k);
        }
        var mixed = new LinkedHashMap<String, INDArray>(Map.of("f", Nd4j.ones(DataType.FLOAT, 2)));
        mixed.put("d", Nd4j.ones(DataType.DOUBLE, 2));
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> new Adam(cfg, mixed));
        org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("'d'"), e.getMessage());
    }

    @Test
    void nonFiniteGradientIsAnErrorAndChangesNothing() {
        Map<String, INDArray> params = new java.util.LinkedHashMap<>(Map.of("w", Nd4j.createFromArray(1.0, 2.0)));
        Adam adam = new Adam(new OptimizerConfig(OptimizerKind.ADAM, 1e-3, 0.9, 0.999, 1e-8, 0, 0, 1.0), params);
        adam.apply(0, params, new java.util.HashMap<>(Map.of("w", Nd4j.createFromArray(0.5, -0.5))));
        INDArray before = params.get("w").dup();
        var state = adam.state();
        for (double bad : new double[]{Double.NaN, Double.POSITIVE_INFINITY}) {
            var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalStateException.class,
                    () -> adam.apply(1, params, new java.util.HashMap<>(Map.of("w", Nd4j.createFromArray(bad, 1.0)))));
            org.junit.jupiter.api.Assertions.assertTrue(e.getMessage().contains("gradient norm is"), e.getMessage());
            org.junit.jupiter.api.Assertions.assertEquals(before, params.get("w"));
            org.junit.jupiter.api.Assertions.assertEquals(state, adam.state());
        }
    }

    @Test
    void stateRoundTripsAndRejectsMissingEntries() {
        Map<String, INDArray> params = Map.of("w", Nd4j.ones(DataType.DOUBLE, 3));
        OptimizerConfig cfg = new OptimizerConfig(OptimizerKind.ADAM, 0.1, 0.9, 0.999, 1e-8, 0, 0, 0);
        Adam a = new Adam(cfg, params);
        a.apply(0, params, Map.of("w", Nd4j.createFromArray(1.0, 2.0, 3.0)));
        Adam b = new Adam(cfg, Map.of("w", Nd4j.ones(DataType.DOUBLE, 3)));
        b.load(a.state());
        assertEquals(a.state(), b.state());
        var e = org.junit.jupiter.api.Assertions.assertThrows(IllegalArgumentException.class, () -> b.load(Map.of()));
        assertEquals("optimizer state has no entry 'm/w'", e.getMessage());
    }

    private static void reference(OptimizerConfig c, int step, double[] p, double[] g, double[] m, double[] v, double clip) {
        double lr = c.lrAt(step);
        int t = step + 1;
        for (int i = 0; i < p.length; i++) {
            double gi = g[i] * clip;
            if (c.kind() == OptimizerKind.ADAMW) p[i] *= 1 - lr * c.weightDecay();
            else gi += c.weightDecay() * p[i];
            m[i] = c.beta1() * m[i] + (1 - c.beta1()) * gi;
            v[i] = c.beta2() * v[i] + (1 - c.beta2()) * gi * gi;
            double denom = Math.sqrt(v[i]) / Math.sqrt(1 - Math.pow(c.beta2(), t)) + c.eps();
            p[i] -= lr / (1 - Math.pow(c.beta1(), t)) * m[i] / denom;
        }
    }
}
