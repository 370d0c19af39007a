package org.factorlab.vq;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/**
 * The VQ loss of taming's {@code VQLPIPSWithDiscriminator} without its perceptual term: the hinge discriminator
 * loss and the adaptive weight of the generator term.
 */
public final class VqLosses {
    /** taming's {@code calculate_adaptive_weight}: the 1e-4 in the denominator and the clamp to [0, 1e4]. */
    public static final double ADAPTIVE_EPS = 1e-4;
    public static final double ADAPTIVE_MAX = 1e4;

    private VqLosses() {
    }

    /** {@code 0.5 * (mean(relu(1 - D(real))) + mean(relu(1 + D(fake))))}. */
    public static SDVariable hingeDiscriminator(SDVariable realLogits, SDVariable fakeLogits) {
        SameDiff sd = realLogits.getSameDiff();
        SDVariable real = sd.nn().relu(realLogits.rsub(1.0), 0.0).mean();
        SDVariable fake = sd.nn().relu(fakeLogits.add(1.0), 0.0).mean();
        return real.add(fake).mul(0.5);
    }

    /** {@code clamp(||grad nll|| / (||grad g|| + 1e-4), 0, 1e4) * discWeight}. */
    public static double adaptiveWeight(double nllGradNorm, double gGradNorm, double discWeight) {
        double w = nllGradNorm / (gGradNorm + ADAPTIVE_EPS);
        return Math.max(0, Math.min(ADAPTIVE_MAX, w)) * discWeight;
    }

    /**
     * The L2 norm of a loss's gradient with respect to the weight of a 3x3, stride 1, pad 1 conv, from the conv's
     * input {@code [B, Cin, H, W]} and the loss's gradient at the conv's output {@code [B, Cout, H, W]}:
     * {@code dW[ky, kx, ci, co] = sum_{b, y, x} in_pad[b, ci, y + ky, x + kx] * g[b, co, y, x]}, computed in double.
     */
    public static double conv3x3WeightGradientNorm(INDArray input, INDArray outputGrad) {
        long b = input.size(0), cin = input.size(1), h = input.size(2), w = input.size(3), cout = outputGrad.size(1);
        if (outputGrad.size(0) != b || outputGrad.size(2) != h || outputGrad.size(3) != w)
            throw new IllegalArgumentException("conv3x3WeightGradientNorm: input " + java.util.Arrays.toString(input.shape())
                    + " and output gradient " + java.util.Arrays.toString(outputGrad.shape()) + " differ in batch or size");
        INDArray padded = Nd4j.pad(input.castTo(DataType.DOUBLE), new int[][]{{0, 0}, {0, 0}, {1, 1}, {1, 1}});
        INDArray g = outputGrad.castTo(DataType.DOUBLE).permute(0, 2, 3, 1).dup('c').reshape(b * h * w, cout);
        double sq = 0;
        for (int ky = 0; ky < 3; ky++)
            for (int kx = 0; kx < 3; kx++) {
                INDArray patch = padded.get(NDArrayIndex.all(), NDArrayIndex.all(), NDArrayIndex.interval(ky, ky + h),
                        NDArrayIndex.interval(kx, kx + w)).permute(1, 0, 2, 3).dup('c').reshape(cin, b * h * w);
                INDArray dw = patch.mmul(g);
                sq += dw.mul(dw).sumNumber().doubleValue();
            }
        return Math.sqrt(sq);
    }
}
