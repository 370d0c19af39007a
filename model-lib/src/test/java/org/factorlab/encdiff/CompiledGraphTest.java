package org.factorlab.encdiff;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.factorlab.diffusion.GaussianDiffusion;
import org.factorlab.diffusion.NoisedBatch;
import org.factorlab.diffusion.SeededNoise;
import org.factorlab.nn.CompiledGraph;
import org.factorlab.nn.GradientCheck;
import org.factorlab.nn.Layers;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.api.OutAndGrad;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** The planned executor gives SameDiff's own values: whole EncDiff training graph, changing inputs and parameters. */
class CompiledGraphTest {
    private static final EncDiffConfig CFG = TinyEncDiff.config();

    @Test
    void gradientsAndOutputsEqualSameDiffsAcrossCallsBatchSizesAndParameterUpdates() {
        // written out: SameDiff's own executor cannot run the fused GroupNorm (FusedGroupNormTest compares the two forms)
        SameDiff reference, compiledSd;
        try (var w = Layers.writtenOut()) {
            reference = EncDiffGraph.training(CFG, DataType.FLOAT, 5).sd();
            compiledSd = EncDiffGraph.training(CFG, DataType.FLOAT, 5).sd();
        }
        List<String> params = GradientCheck.trainable(reference);
        List<String> outputs = List.of(EncDiffGraph.LOSS, EncDiffGraph.CODE);
        CompiledGraph compiled = CompiledGraph.gradients(compiledSd, outputs, params);
        assertTrue(compiled.opCount() > 100, "ops: " + compiled.opCount());
        // batch sizes 4, 4 (plan reused, buffers hold the previous call's values), 3 (second plan), 4 again
        int[] sizes = {4, 4, 3, 4};
        for (int call = 0; call < sizes.length; call++) {
            Map<String, INDArray> ph = placeholders(call, sizes[call]);
            OutAndGrad want = reference.calculateGradientsAndOutputs(ph, outputs, params);
            Map<String, INDArray> got = compiled.run(ph);
            for (String o : outputs) assertClose(want.getOutputs().get(o), got.get(o), "call " + call + " output " + o);
            for (String p : params) assertClose(want.getGradients().get(p), got.get(p), "call " + call + " gradient of " + p);
            // an in-place parameter update, as the optimizer makes, must be seen by both
            for (String p : params) {
                reference.getArrForVarName(p).subi(want.getGradients().get(p).mul(0.05));
                compiledSd.getArrForVarName(p).subi(got.get(p).mul(0.05));
            }
        }
    }

    @Test
    void forwardOutputsEqualSameDiffsAndMissingPlaceholderIsNamed() {
        SameDiff sd;
        try (var w = Layers.writtenOut()) {
            sd = EncDiffGraph.encoder(CFG, DataType.FLOAT, 2).sd();
        }
        CompiledGraph compiled = CompiledGraph.outputs(sd, List.of(EncDiffGraph.CODE, EncDiffGraph.TOKENS));
        assertEquals(List.of(EncDiffGraph.X0), compiled.placeholders());
        for (int call = 0; call < 2; call++) {
            Map<String, INDArray> ph = Map.of(EncDiffGraph.X0, TinyEncDiff.batch(call, 5).images());
            Map<String, INDArray> want = sd.output(ph, EncDiffGraph.CODE, EncDiffGraph.TOKENS);
            Map<String, INDArray> got = compiled.run(ph);
            assertClose(want.get(EncDiffGraph.CODE), got.get(EncDiffGraph.CODE), "code");
            assertClose(want.get(EncDiffGraph.TOKENS), got.get(EncDiffGraph.TOKENS), "tokens");
        }
        var e = assertThrows(IllegalArgumentException.class, () -> compiled.run(Map.of()));
        assertTrue(e.getMessage().contains(EncDiffGraph.X0), e.getMessage());
        var unknown = assertThrows(IllegalArgumentException.class, () -> CompiledGraph.outputs(sd, List.of("nope")));
        assertTrue(unknown.getMessage().contains("nope"), unknown.getMessage());
    }

    /**
     * The fused GroupNorm ops give the written-out graph's values: the same whole training graph built both ways, at
     * initialisation and after parameter updates, equal up to float rounding (the fused kernel sums in double).
     */
    @Test
    void fusedGroupNormGivesTheWrittenOutGraphsGradients() {
        SameDiff fused = EncDiffGraph.training(CFG, DataType.FLOAT, 5).sd();
        SameDiff written;
        try (var w = Layers.writtenOut()) {
            written = EncDiffGraph.training(CFG, DataType.FLOAT, 5).sd();
        }
        List<String> params = GradientCheck.trainable(written);
        assertEquals(params, GradientCheck.trainable(fused), "the same parameters, in the same order");
        List<String> outputs = List.of(EncDiffGraph.LOSS);
        CompiledGraph a = CompiledGraph.gradients(fused, outputs, params), b = CompiledGraph.gradients(written, outputs, params);
        for (int call = 0; call < 3; call++) {
            Map<String, INDArray> ph = placeholders(call, 4);
            Map<String, INDArray> got = a.run(ph), want = b.run(ph);
            if (call == 0) assertTrue(a.executedOpCount() < b.executedOpCount() * 0.8, a.executedOpCount() + " vs " + b.executedOpCount());
            assertClose(want.get(EncDiffGraph.LOSS), got.get(EncDiffGraph.LOSS), "call " + call + " loss");
            for (String p : params) assertClose(want.get(p), got.get(p), 1e-4, "call " + call + " gradient of " + p);
            for (String p : params) {
                fused.getArrForVarName(p).subi(got.get(p).mul(0.05));
                written.getArrForVarName(p).subi(want.get(p).mul(0.05));
            }
        }
    }

    private static Map<String, INDArray> placeholders(int i, int size) {
        INDArray x0 = TinyEncDiff.batch(i, size).images();
        GaussianDiffusion diffusion = new GaussianDiffusion(CFG.diffusion());
        NoisedBatch nb = diffusion.noised(x0, new SeededNoise(77 + i));
        Map<String, INDArray> ph = new LinkedHashMap<>();
        ph.put(EncDiffGraph.X0, x0);
        ph.put(EncDiffGraph.XT, nb.xt());
        ph.put(EncDiffGraph.T, GaussianDiffusion.timestepArray(nb.t(), DataType.FLOAT));
        ph.put(EncDiffGraph.TARGET, nb.target());
        return ph;
    }

    /** Same ops on the same inputs: equal up to float rounding of differently ordered native reductions. */
    private static void assertClose(INDArray want, INDArray got, String what) {
        assertClose(want, got, 1e-5, what);
    }

    private static void assertClose(INDArray want, INDArray got, double relative, String what) {
        assertArrayEquals(want.shape(), got.shape(), what);
        double scale = Math.max(1e-8, want.amaxNumber().doubleValue());
        double diff = want.sub(got).amaxNumber().doubleValue();
        assertTrue(diff <= relative * scale, what + ": max |diff| " + diff + " vs scale " + scale);
    }

}
