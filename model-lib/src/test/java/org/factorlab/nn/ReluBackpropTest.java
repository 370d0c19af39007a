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

    @Test
    void reluBpStandsInWithSameDiffsGradients() {
        SameDiff sd = graph(0.0);
        INDArray x = Nd4j.randn(DataType.FLOAT, 5, 6);
        Map<String, INDArray> want = sd.calculateGradients(Map.of("x", x), "w");
        CompiledGraph g = CompiledGraph.gradients(sd, List.of("loss"), List.of("w"));
        g.setProfiling(true);
        g.run(Map.of("x", x));
        INDArray got = g.run(Map.of("x", x)).get("w");
        assertEquals(want.get("w"), got);
        assertTrue(g.profile().containsKey("relu_bp*"), g.profile().keySet().toString());
        assertTrue(!g.profile().containsKey(ReluBackprop.OP), g.profile().keySet().toString());
    }

    @Test
    void aThresholdOtherThanZeroKeepsTheOriginalOp() {
        SameDiff sd = graph(0.3);
        INDArray x = Nd4j.randn(DataType.FLOAT, 5, 6);
        Map<String, INDArray> want = sd.calculateGradients(Map.of("x", x), "w");
        CompiledGraph g = CompiledGraph.gradients(sd, List.of("loss"), List.of("w"));
        g.setProfiling(true);
        g.run(Map.of("x", x));
        assertEquals(want.get("w"), g.run(Map.of("x", x)).get("w"));
        assertTrue(g.profile().containsKey(ReluBackprop.OP), g.profile().keySet().toString());
    }
}
