package org.factorlab.nn;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class CompiledGraphDiagnosisTest {
    @Test
    void firstNonFiniteNamesTheOpWhereItStarts() {
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.DOUBLE, -1, 3);
        SDVariable w = sd.var("w", Nd4j.createFromArray(new double[][]{{1, 2, 3}}));
        SDVariable scaled = x.mul("scaled", w);
        SDVariable logs = sd.math().log("logs", scaled);
        logs.sum("loss");
        sd.setLossVariables("loss");
        CompiledGraph g = CompiledGraph.gradients(sd, List.of("loss"), List.of("w"));

        var fine = Map.of("x", Nd4j.createFromArray(new double[][]{{1, 1, 1}, {2, 2, 2}}));
        double loss = g.run(fine).get("loss").getDouble(0);
        assertEquals(Math.log(6) + Math.log(48), loss, 1e-12);
        assertEquals(Optional.empty(), g.firstNonFinite(fine));

        var zero = Map.of("x", Nd4j.createFromArray(new double[][]{{1, 0, 1}, {2, 2, 2}}));
        String where = g.firstNonFinite(zero).orElseThrow();
        assertTrue(where.startsWith("op 'log' -> 'logs' (log) wrote a NaN or infinity"), where);
        assertTrue(where.endsWith("inputs: [2, 3] max|x| 6.00"), where);

        var nan = Map.of("x", Nd4j.createFromArray(new double[][]{{1, Double.NaN, 1}, {2, 2, 2}}));
        assertEquals(Optional.of("placeholder 'x' holds a NaN or infinity"), g.firstNonFinite(nan));
        // the diagnosis leaves the graph usable
        assertEquals(loss, g.run(fine).get("loss").getDouble(0), 0);
    }

    @Test
    void swishGradientStaysFiniteForLargeFloatInputs() {
        // libnd4j's _swishderivative gives NaN in float32 above x ~ 44; CompiledGraph runs a stable form instead
        SameDiff sd = SameDiff.create();
        SDVariable x = sd.placeHolder("x", DataType.FLOAT, 1, 6);
        SDVariable w = sd.var("w", Nd4j.ones(DataType.FLOAT, 1, 6));
        sd.nn().swish(x.mul(w)).sum("loss");
        sd.setLossVariables("loss");
        CompiledGraph g = CompiledGraph.gradients(sd, List.of(), List.of("w"));
        double[] xs = {0.5, -3, 45.4, 60, 88, -100};
        var grad = g.run(Map.of("x", Nd4j.createFromArray(new float[][]{{0.5f, -3f, 45.4f, 60f, 88f, -100f}}))).get("w");
        for (int j = 0; j < xs.length; j++) {
            double s = 1 / (1 + Math.exp(-xs[j]));
            double want = xs[j] * (s + xs[j] * s * (1 - s)); // dL/dw = x * swish'(x w) at w = 1
            double got = grad.getDouble(0, j);
            assertTrue(Double.isFinite(got), "x = " + xs[j] + ": " + got);
            assertEquals(want, got, 1e-5 * Math.max(1, Math.abs(want)), "x = " + xs[j]);
        }
    }
}
