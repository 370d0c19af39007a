package org.factorlab.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Function;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.impl.scalar.LeakyReLU;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.ops.transforms.Transforms;

/** The compiled step's stand-ins give SameDiff's own gradients, and equal the ops they replace on edge values. */
class StandInsTest {
    /** x: zeros of both signs, denormals, infinities and ordinary values; g: gradients of both signs. */
    private static final float[] X = {-2f, -0f, 0f, 1e-40f, -1e-40f, 3f, Float.POSITIVE_INFINITY, Float.NEGATIVE_INFINITY, -1f, 2f, -3f, 0.5f};
    private static final float[] G = {1.5f, 2f, -2f, -1f, 1f, -0.5f, 1f, 1f, -1f, -0f, 0f, 4f};

    /** A loss over {@code act(x W) * x}; returns the op types the compiled step ran, after checking its gradient. */
    private static Set<String> compiledOps(Function<SDVariable, SDVariable> act, boolean stopWeights) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 6);
        SDVariable w = sd.var("w", Nd4j.linspace(-1, 1, 36, DataType.FLOAT).reshape(6, 6));
        SDVariable v = sd.var("v", Nd4j.linspace(-0.5, 1, 6, DataType.FLOAT).reshape(1, 6));
        SDVariable in = x.mul(v);
        SDVariable weights = stopWeights ? new org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient(sd, w).outputVariable() : w;
        act.apply(in.mmul(weights)).mul(x).sum("loss");
        sd.setLossVariables("loss");
        INDArray xv = Nd4j.randn(DataType.FLOAT, 5, 6);
        List<String> wrt = stopWeights ? List.of("v") : List.of("w", "v");
        Map<String, INDArray> want = sd.calculateGradients(Map.of("x", xv), wrt);
        CompiledGraph g = CompiledGraph.gradients(sd, List.of("loss"), wrt);
        g.setProfiling(true);
        g.run(Map.of("x", xv));
        Map<String, INDArray> got = g.run(Map.of("x", xv));
        for (String n : wrt) assertTrue(want.get(n).equalsWithEps(got.get(n), 1e-6), n + ": " + want.get(n) + " vs " + got.get(n));
        return g.profile().keySet();
    }

    /**
     * A same-shape {@code add_bp} runs no op: both its gradients are its input gradient, aliased. The gradients stay
     * SameDiff's over calls with new inputs (the aliased buffer must live as long as both aliases are read); a
     * broadcasting add keeps its op.
     */
    @Test
    void sameShapeAddPassesItsGradientThroughWithoutAnOp() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 6);
        SDVariable v = sd.var("v", Nd4j.linspace(-0.5, 1, 6, DataType.FLOAT).reshape(1, 6));
        SDVariable a = x.mul(v);
        SDVariable z = a.add(a.mul(a)).add(v);   // same-shape add, then a broadcasting one
        z.mul(x).mul(z).sum("loss");
        sd.setLossVariables("loss");
        CompiledGraph g = CompiledGraph.gradients(sd, List.of("loss"), List.of("v"));
        g.setProfiling(true);
        for (int call = 0; call < 3; call++) {
            INDArray xv = Nd4j.randn(DataType.FLOAT, 5, 6).muli(call + 1);
            INDArray want = sd.calculateGradients(Map.of("x", xv), List.of("v")).get("v");
            INDArray got = g.run(Map.of("x", xv)).get("v");
            assertTrue(want.equalsWithEps(got, 1e-5), "call " + call + ": " + want + " vs " + got);
        }
        Set<String> ops = g.profile().keySet();
        assertTrue(ops.contains("add_bp*"), "the broadcasting add's backward runs: " + ops);
        assertEquals(g.opCount() - 1, g.executedOpCount(), "one add_bp passes through: " + ops);
    }

    @Test
    void reluBackwardStandsIn() {
        var ops = compiledOps(h -> h.getSameDiff().nn().relu(h, 0.0), false);
        assertTrue(ops.contains("thresholdedrelu_bp*") && !ops.contains("thresholdedrelu_bp"), ops.toString());
    }

    @Test
    void aReluThresholdOtherThanZeroKeepsTheOriginalOp() {
        var ops = compiledOps(h -> h.getSameDiff().nn().relu(h, 0.3), false);
        assertTrue(ops.contains("thresholdedrelu_bp") && !ops.contains("thresholdedrelu_bp*"), ops.toString());
    }

    @Test
    void leakyReluForwardAndBackwardStandIn() {
        var ops = compiledOps(h -> h.getSameDiff().nn().leakyRelu(h, 0.2), false);
        assertTrue(ops.containsAll(Set.of("leakyrelu*", "lrelu_bp*")) && !ops.contains("lrelu_bp"), ops.toString());
    }

    @Test
    void aMatmulWithStoppedWeightsComputesOnlyTheInputGradient() {
        assertTrue(compiledOps(h -> h, true).contains("matmul_bp*"), "stopped weights");
        var ops = compiledOps(h -> h, false);
        assertTrue(ops.contains("matmul_bp") && !ops.contains("matmul_bp*"), ops.toString());
    }

    /** A linear layer's bias and a per-column scale: their gradients are sums over rows, which run as one BLAS product. */
    @Test
    void biasAndColumnScaleGradientsAreSumsOverRows() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 7);
        SDVariable bias = sd.var("bias", Nd4j.linspace(-1, 1, 7, DataType.FLOAT));
        SDVariable scale = sd.var("scale", Nd4j.linspace(0.5, 2, 7, DataType.FLOAT));
        x.add(bias).mul(scale).mul(x).sum("loss");
        sd.setLossVariables("loss");
        INDArray xv = Nd4j.randn(DataType.FLOAT, 300, 7);
        Map<String, INDArray> want = sd.calculateGradients(Map.of("x", xv), List.of("bias", "scale"));
        CompiledGraph g = CompiledGraph.gradients(sd, List.of("loss"), List.of("bias", "scale"));
        g.setProfiling(true);
        g.run(Map.of("x", xv));
        Map<String, INDArray> got = g.run(Map.of("x", xv));
        assertTrue(g.profile().keySet().containsAll(Set.of("add_bp*", "multiply_bp*")), g.profile().keySet().toString());
        for (String n : List.of("bias", "scale")) {
            assertEquals(7, got.get(n).length());
            double scaleOf = want.get(n).amaxNumber().doubleValue();
            assertTrue(want.get(n).sub(got.get(n)).amaxNumber().doubleValue() <= 1e-5 * scaleOf, n + ": " + want.get(n) + " vs " + got.get(n));
        }
    }

    private static void assertSameValues(INDArray want, INDArray got, String what) {
        float[] a = want.data().asFloat(), b = got.data().asFloat();
        for (int i = 0; i < a.length; i++)
            assertTrue(a[i] == b[i], what + " at x = " + X[i] + ", g = " + G[i] + ": " + a[i] + " vs " + b[i]);
    }

    /** Runs {@code op} (inputs bound, output {@code out}), then its stand-in into a fresh array; asserts equal values. */
    private static void assertStandInEquals(org.nd4j.autodiff.functions.DifferentialFunction op, INDArray[] args, INDArray out) {
        if (op instanceof DynamicCustomOp c) Nd4j.exec(c);
        else Nd4j.exec((org.nd4j.linalg.api.ops.Op) op);
        INDArray fast = Nd4j.create(DataType.FLOAT, out.shape());
        var s = StandIns.of(op, args, new INDArray[] {fast}, new boolean[] {true}, like -> Nd4j.create(DataType.FLOAT, like.shape()));
        assertNotNull(s, op.opName());
        s.kernel().run();
        assertSameValues(out, fast, op.opName());
    }

    @Test
    void activationStandInsEqualTheOpsOnEdgeValues() {
        INDArray x = Nd4j.createFromArray(X), g = Nd4j.createFromArray(G);
        for (String name : List.of("thresholdedrelu_bp", "relu_bp")) {
            INDArray out = Nd4j.create(DataType.FLOAT, X.length);
            assertStandInEquals(DynamicCustomOp.builder(name).addInputs(x, g).addOutputs(out).addFloatingPointArguments(0.0).build(),
                    new INDArray[] {x, g}, out);
        }
        INDArray out = Nd4j.create(DataType.FLOAT, X.length);
        assertStandInEquals(DynamicCustomOp.builder("lrelu_bp").addInputs(x, g).addOutputs(out).addFloatingPointArguments(0.2).build(),
                new INDArray[] {x, g}, out);
        INDArray y = Nd4j.create(DataType.FLOAT, X.length);
        assertStandInEquals(new LeakyReLU(x, y, 0.2), new INDArray[] {x}, y);
    }

    @Test
    void matmulStandInsEqualEachGradientOfTheOp() {
        INDArray x = Nd4j.randn(DataType.FLOAT, 7, 5), w = Nd4j.randn(DataType.FLOAT, 5, 3), dz = Nd4j.randn(DataType.FLOAT, 7, 3);
        INDArray dx = Nd4j.create(DataType.FLOAT, 7, 5), dw = Nd4j.create(DataType.FLOAT, 5, 3);
        var op = DynamicCustomOp.builder("matmul_bp").addInputs(x, w, dz).addOutputs(dx, dw).build();
        Nd4j.exec(op);
        for (int read = 0; read < 2; read++) {
            INDArray[] outs = {Nd4j.create(DataType.FLOAT, 7, 5), Nd4j.create(DataType.FLOAT, 5, 3)};
            var s = StandIns.of(op, new INDArray[] {x, w, dz}, outs, new boolean[] {read == 0, read == 1}, like -> null);
            assertNotNull(s);
            s.kernel().run();
            assertEquals(read == 0 ? dx : dw, outs[read]);
            assertEquals(0.0, outs[1 - read].amaxNumber().doubleValue(), "the unread gradient is not computed");
        }
        assertEquals(null, StandIns.of(op, new INDArray[] {x, w, dz}, new INDArray[] {dx, dw}, new boolean[] {true, true}, like -> null),
                "both gradients read: the op itself");
        assertTrue(Transforms.abs(dx.sub(dz.mmul(w.transpose()))).maxNumber().doubleValue() < 1e-5);
    }

    /**
     * 2x nearest upsampling and its backward run as Java copies and sums only where they equal libnd4j's ops value for
     * value (checked when the step is planned): both must be kept here, on planes that are not square and random values
     * whose sums depend on their order.
     */
    @Test
    void nearestUpsamplingStandsInWithTheOpsValues() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 5, 4, 6);
        SDVariable v = sd.var("v", Nd4j.linspace(-0.5, 1, 5, DataType.FLOAT).reshape(1, 5, 1, 1));
        SDVariable r = sd.constant("r", Nd4j.randn(DataType.FLOAT, 3, 5, 8, 12));
        SDVariable up = sd.cnn().upsampling2d(x.mul(v), 2, 2, true);
        up.mul(up).mul(r).sum("loss");
        sd.setLossVariables("loss");
        CompiledGraph g = CompiledGraph.gradients(sd, List.of("loss"), List.of("v"));
        g.setProfiling(true);
        for (int call = 0; call < 2; call++) {
            INDArray xv = Nd4j.randn(DataType.FLOAT, 3, 5, 4, 6);
            INDArray want = sd.calculateGradients(Map.of("x", xv), List.of("v")).get("v");
            INDArray got = g.run(Map.of("x", xv)).get("v");
            assertTrue(want.equalsWithEps(got, 1e-4), "call " + call + ": " + want + " vs " + got);
        }
        Set<String> ops = g.profile().keySet();
        assertTrue(ops.containsAll(Set.of("upsampling2d*", "upsampling2d_bp*")) && !ops.contains("upsampling2d_bp"), ops.toString());
    }
}
