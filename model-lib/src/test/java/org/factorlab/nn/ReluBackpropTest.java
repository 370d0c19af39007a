package org.factorlab.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** ReLU's backward runs as relu_bp in the compiled step, with SameDiff's own gradients; a non-zero threshold does not. */
class ReluBackpropTest {
    private static SameDiff graph(double cutoff) {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, -1, 6);
        SDVariable w = sd.var("w", Nd4j.linspace(-1, 1, 36, DataType.FLOAT).reshape(6, 6));
        sd.nn().relu(x.mmul(w), cutoff).mul(x).sum("loss");
        sd.setLossVariables("loss");
        return sd;
    }

    /** Runs the compiled step twice with profiling on, asserts SameDiff's gradient, returns the op types it ran. */
    private static java.util.Set<String> compiledOps(double cutoff) {
        SameDiff sd = graph(cutoff);
        INDArray x = Nd4j.randn(DataType.FLOAT, 5, 6);
        Map<String, INDArray> want = sd.calculateGradients(Map.of("x", x), "w");
        CompiledGraph g = CompiledGraph.gradients(sd, List.of("loss"), List.of("w"));
        g.setProfiling(true);
        g.run(Map.of("x", x));
        assertEquals(want.get("w"), g.run(Map.of("x", x)).get("w"));
        return g.profile().keySet();
    }

    @Test
    void reluBpStandsInWithSameDiffsGradients() {
        var ops = compiledOps(0.0);
        assertTrue(ops.contains("thresholdedrelu_bp*") && !ops.contains("thresholdedrelu_bp"), ops.toString());
    }

    @Test
    void aThresholdOtherThanZeroKeepsTheOriginalOp() {
        var ops = compiledOps(0.3);
        assertTrue(ops.contains("thresholdedrelu_bp") && !ops.contains("thresholdedrelu_bp*"), ops.toString());
    }
}
