package org.factorlab.encdiff;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import java.util.Map;
import org.factorlab.nn.GradientCheck;
import org.junit.jupiter.api.Test;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/** The whole tiny EncDiff loss (encoder with BatchNorm, token MLPs, U-Net, L2) against finite differences. */
class EncDiffGradientTest {
    @Test
    void endToEndLossGradientMatchesFiniteDifferences() {
        EncDiffConfig cfg = TinyEncDiff.config();
        SameDiff sd = EncDiffGraph.training(cfg, DataType.DOUBLE, 2).sd();
        GradientCheck.randomize(sd, 0.4, 9);
        Nd4j.getRandom().setSeed(1);
        Map<String, org.nd4j.linalg.api.ndarray.INDArray> ph = Map.of(
                EncDiffGraph.X0, Nd4j.rand(DataType.DOUBLE, 3, 3, 16, 16).subi(0.5).muli(2),
                EncDiffGraph.XT, Nd4j.randn(DataType.DOUBLE, 3, 3, 16, 16),
                EncDiffGraph.T, Nd4j.createFromArray(3.0, 40.0, 97.0),
                EncDiffGraph.TARGET, Nd4j.randn(DataType.DOUBLE, 3, 3, 16, 16));
        // one parameter from each part: encoder conv and BN, token MLP, time MLP, cross-attention keys, output conv
        List<String> vars = List.of("enc/conv1/weight", "enc/norm1/weight", "enc/fc/weight", "tok/l2/weight", "tok/l1/bias",
                "unet/time_embed/0/weight", "unet/mid/attn/block0/attn2/to_k/weight", "unet/out_conv/weight");
        // eps 1e-3: with a loss averaged over 2304 outputs the gradients are ~1e-6 and eps 1e-6 differences sink into
        // rounding noise (measured: eps 1e-3 agrees to 1e-7 relative)
        var r = GradientCheck.check(sd, EncDiffGraph.LOSS, ph, vars, 2, 1e-3, 1e-4, 1e-12, 4);
        assertTrue(r.passed(), r.toString());
    }
}
