package org.factorlab.ivaeddpm;

import java.util.SplittableRandom;
import org.factorlab.vae.VaeLosses;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The terms iVAE+DDPM adds to the platform, as SameDiff functions with the formulas in their comments (and in
 * docs/ivae-ddpm.md). Per-example terms are {@code [B]}; categorical groups are {@code [B, G, k]} logits.
 */
public final class IvaeDdpmLosses {
    private IvaeDdpmLosses() {
    }

    /** A diagonal Gaussian's parameters {@code [B, D]}. */
    public record Gaussian(SDVariable mean, SDVariable logVar) {
        Gaussian stopped() {
            return new Gaussian(VaeLosses.stopGradient(mean), VaeLosses.stopGradient(logVar));
        }
    }

    /**
     * The KL term, per example. Plain: {@code KL(q || p)}. Balanced (DreamerV2):
     * {@code alpha KL(sg(q) || p) + (1 - alpha) KL(q || sg(p))}: the same value, but the prior's parameters get
     * {@code alpha} of the gradient and the posterior's {@code 1 - alpha}.
     */
    public static SDVariable gaussianKl(Gaussian q, Gaussian p, boolean balanced, double alpha) {
        if (!balanced) return VaeLosses.klDiagonalGaussians(q.mean(), q.logVar(), p.mean(), p.logVar());
        Gaussian qs = q.stopped(), ps = p.stopped();
        SDVariable toPrior = VaeLosses.klDiagonalGaussians(qs.mean(), qs.logVar(), p.mean(), p.logVar());
        SDVariable toPosterior = VaeLosses.klDiagonalGaussians(q.mean(), q.logVar(), ps.mean(), ps.logVar());
        return toPrior.mul(alpha).add(toPosterior.mul(1 - alpha));
    }

    /** As {@link #gaussianKl}, for categorical groups given by logits {@code [B, G, k]}. */
    public static SDVariable categoricalKl(SDVariable qLogits, SDVariable pLogits, boolean balanced, double alpha) {
        if (!balanced) return categoricalKl(qLogits, pLogits);
        SDVariable toPrior = categoricalKl(VaeLosses.stopGradient(qLogits), pLogits);
        SDVariable toPosterior = categoricalKl(qLogits, VaeLosses.stopGradient(pLogits));
        return toPrior.mul(alpha).add(toPosterior.mul(1 - alpha));
    }

    /**
     * {@code KL(Cat(softmax(q)) || Cat(softmax(p)))} summed over the groups: {@code sum_g sum_j q_gj (log q_gj - log p_gj)}
     * with log-probabilities by a stable log-softmax.
     */
    public static SDVariable categoricalKl(SDVariable qLogits, SDVariable pLogits) {
        SameDiff sd = qLogits.getSameDiff();
        SDVariable logQ = logSoftmax(qLogits), logP = logSoftmax(pLogits);
        return sd.math().exp(logQ).mul(logQ.sub(logP)).sum(1, 2);
    }

    /** {@code x - logsumexp(x)} over the last axis of {@code [B, G, k]}. */
    public static SDVariable logSoftmax(SDVariable x) {
        return x.sub(x.getSameDiff().expandDims(VaeLosses.logSumExp(x, 2), 2));
    }

    /**
     * A Gumbel-softmax sample (Jang et al.; Maddison et al.) of each group: {@code y = softmax((logits + g) / tau)} with
     * {@code g = -log(-log U)}, {@code U ~ U(0, 1)} fed from Java. With {@code hard}, the straight-through estimator
     * {@code y_hard + y - sg(y)}: forward the one-hot of the argmax, backward the soft sample's gradient.
     *
     * @param logits {@code [B, G, k]}
     * @param gumbel Gumbel(0, 1) noise of the same shape
     * @param tau    the temperature, a scalar placeholder or constant
     */
    public static SDVariable gumbelSoftmax(SDVariable logits, SDVariable gumbel, SDVariable tau, boolean hard) {
        SameDiff sd = logits.getSameDiff();
        SDVariable y = sd.math().exp(logSoftmax(logits.add(gumbel).div(tau)));
        if (!hard) return y;
        SDVariable ys = VaeLosses.stopGradient(y);
        SDVariable oneHot = sd.eq(ys, ys.max(true, 2)).castTo(y.dataType());
        return VaeLosses.stopGradient(oneHot.sub(y)).add(y);
    }

    /** The temperature at step {@code n}: {@code tau(n) = max(min, start exp(-decay n))}. */
    public static double temperature(IvaeDdpmConfig.Temperature t, long n) {
        return Math.max(t.min(), t.start() * Math.exp(-t.decay() * n));
    }

    /** Gumbel(0, 1) noise {@code -log(-log U)}, U uniform in the open interval (0, 1), from {@code rng}. */
    public static INDArray gumbelNoise(SplittableRandom rng, DataType dtype, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        double[] v = new double[Math.toIntExact(n)];
        for (int i = 0; i < v.length; i++) {
            double u;
            do u = rng.nextDouble(); while (u == 0.0);
            v[i] = -Math.log(-Math.log(u));
        }
        return Nd4j.create(v, shape, DataType.DOUBLE).castTo(dtype);
    }
}
