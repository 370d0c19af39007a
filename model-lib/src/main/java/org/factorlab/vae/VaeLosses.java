package org.factorlab.vae;

import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;

/**
 * Losses and estimators of the VAE baselines, following disentanglement_lib ({@code methods/shared/losses.py},
 * {@code methods/unsupervised/vae.py}). Unless stated, a loss is per example ({@code [B]}); the family takes the
 * batch mean. Images are NCHW {@code [B, C, H, W]}. Randomness (the reparameterisation noise, FactorVAE's permutation)
 * is fed from Java as placeholders, so that a step is reproducible from the run's seed.
 *
 * <p>Stop-gradient: {@link #stopGradient} is nd4j's {@link StopGradient} op (identity forward; its backward is
 * {@code zerosLike(input)}). FactorVAE's two objectives are routed with it so that a single backward pass of
 * {@code vaeLoss + discriminatorLoss} gives every parameter group the gradient of its own loss only (see
 * {@link #factorVaeTerms}).
 */
public final class VaeLosses {
    /** Names of the FactorVAE terms, as the platform reads them out. */
    public static final String FACTOR_TC = "factor_tc";
    public static final String DISCRIMINATOR_LOSS = "discriminator_loss";
    /** Class of D's output for codes drawn from q(z) ("real"), and for dimension-wise permuted codes. */
    public static final int CLASS_REAL = 0;
    public static final int CLASS_PERMUTED = 1;

    private static final double LOG_2PI = Math.log(2 * Math.PI);

    private VaeLosses() {
    }

    /** Identity forward, zero gradient backward. */
    public static SDVariable stopGradient(SDVariable x) {
        return new StopGradient(x.getSameDiff(), x).outputVariable();
    }

    /**
     * Sigmoid cross-entropy of Bernoulli logits against targets in [0, 1], summed over each image (disentanglement_lib's
     * {@code bernoulli_loss} with activation "logits"), in the overflow-free form
     * {@code max(l, 0) - l*y + log(1 + exp(-|l|))}. The project's images are in [-1, 1]: the family maps them to
     * {@code (x + 1) / 2} first.
     */
    public static SDVariable bernoulliReconstruction(SDVariable logits, SDVariable target01) {
        return softplus(logits).sub(logits.mul(target01)).sum(1, 2, 3);
    }

    /** Squared error of sigmoid(logits) against the target, summed over each image (disentanglement_lib's l2_loss). */
    public static SDVariable l2Reconstruction(SDVariable logits, SDVariable target) {
        SDVariable d = logits.getSameDiff().nn().sigmoid(logits).sub(target);
        return d.mul(d).sum(1, 2, 3);
    }

    /** KL(N(mean, exp(logVar)) || N(0, I)) = 0.5 * sum(mean^2 + exp(logVar) - logVar - 1), per example. */
    public static SDVariable klStandardNormal(SDVariable mean, SDVariable logVar) {
        SameDiff sd = mean.getSameDiff();
        return mean.mul(mean).add(sd.math().exp(logVar)).sub(logVar).sub(1.0).sum(1).mul(0.5);
    }

    /**
     * KL(q || p) between diagonal Gaussians, per example:
     * {@code 0.5 * sum(logVarP - logVarQ + (exp(logVarQ) + (meanQ - meanP)^2) / exp(logVarP) - 1)}.
     * iVAE's KL(q(z|x,u) || p(z|u)) with the conditional prior of {@link VaeNetworks#conditionalPrior}.
     */
    public static SDVariable klDiagonalGaussians(SDVariable meanQ, SDVariable logVarQ, SDVariable meanP, SDVariable logVarP) {
        SameDiff sd = meanQ.getSameDiff();
        SDVariable d = meanQ.sub(meanP);
        SDVariable ratio = sd.math().exp(logVarQ.sub(logVarP)).add(d.mul(d).mul(sd.math().exp(logVarP.neg())));
        return ratio.add(logVarP).sub(logVarQ).sub(1.0).sum(1).mul(0.5);
    }

    /** Reparameterised sample {@code mean + exp(logVar / 2) * eps}, with {@code eps ~ N(0, I)} fed from Java. */
    public static SDVariable sample(SDVariable mean, SDVariable logVar, SDVariable eps) {
        return mean.add(mean.getSameDiff().math().exp(logVar.mul(0.5)).mul(eps));
    }

    /**
     * beta-TC-VAE's minibatch-weighted-sampling estimate of the total correlation, a scalar, exactly as
     * disentanglement_lib's {@code total_correlation}: with {@code log_q[j, i, l] = log N(z[j, l]; mean[i, l],
     * exp(logVar[i, l]))}, {@code TC = mean_j [logsumexp_i sum_l log_q - sum_l logsumexp_i log_q]}. The constant
     * {@code (D - 1) log(B * N)} is dropped, as there. B is dynamic: the [B, B, D] tensor comes from broadcasting
     * {@code [B, 1, D]} against {@code [1, B, D]}.
     */
    public static SDVariable totalCorrelation(SDVariable z, SDVariable mean, SDVariable logVar) {
        SameDiff sd = z.getSameDiff();
        SDVariable diff = sd.expandDims(z, 1).sub(sd.expandDims(mean, 0));                   // [j, i, l]
        SDVariable lv = sd.expandDims(logVar, 0);                                             // [1, i, l]
        SDVariable logQ = diff.mul(diff).mul(sd.math().exp(lv.neg())).add(lv).add(LOG_2PI).mul(-0.5);
        SDVariable logQz = logSumExp(logQ.sum(2), 1);                                         // [j]
        SDVariable logQzProduct = logSumExp(logQ, 1).sum(1);                                  // [j]
        return logQz.sub(logQzProduct).mean();
    }

    /**
     * Numerically stable log-sum-exp over one dimension (removed): {@code m + log(sum(exp(x - m)))} with
     * {@code m = stopGradient(max(x))}. The gradient does not depend on m (its terms cancel), so stopping it is exact
     * and skips max's backward; nd4j's own logSumExp backward computes exp(x) unshifted and underflows to 0/0 for the
     * very negative log-densities of distant batch members.
     */
    public static SDVariable logSumExp(SDVariable x, int dim) {
        SameDiff sd = x.getSameDiff();
        SDVariable m = stopGradient(x.max(true, dim));
        return sd.squeeze(sd.math().log(sd.math().exp(x.sub(m)).sum(true, dim)).add(m), dim);
    }

    /**
     * FactorVAE's dimension-wise permutation of a batch of codes {@code z [B, D]}: {@code out[i, l] = z[perm_l(i), l]}
     * with an independent permutation per dimension, as one gather over the flattened codes. {@code flatIndex} (INT64
     * or INT32, {@code [B*D]}) comes from {@link #permuteDimsIndex}.
     *
     * <p>The result carries no gradient (it goes through {@link #stopGradient}): FactorVAE's discriminator sees detached
     * permuted codes anyway, and SameDiff M2.1's gather backward is wrong (it returns the incoming gradient unpermuted,
     * ignoring the indices), so a gradient through this op would be silently incorrect.
     */
    public static SDVariable permuteDims(SDVariable z, SDVariable flatIndex) {
        SameDiff sd = z.getSameDiff();
        return stopGradient(sd.gather(z.reshape(-1), flatIndex, 0).reshape(sd.shape(z)));
    }

    /**
     * Flat indices for {@link #permuteDims}: entry {@code i*dims + l} is {@code perm_l(i)*dims + l}, with each
     * {@code perm_l} an independent uniform permutation of {@code 0..batch-1} (Fisher-Yates) drawn from {@code rng}.
     */
    public static long[] permuteDimsIndex(int batch, int dims, SplittableRandom rng) {
        int[] perm = new int[batch];
        long[] out = new long[batch * dims];
        for (int l = 0; l < dims; l++) {
            for (int i = 0; i < batch; i++) perm[i] = i;
            for (int i = batch - 1; i > 0; i--) {
                int j = rng.nextInt(i + 1);
                int t = perm[i];
                perm[i] = perm[j];
                perm[j] = t;
            }
            for (int i = 0; i < batch; i++) out[i * dims + l] = (long) perm[i] * dims + l;
        }
        return out;
    }

    /**
     * What FactorVAE adds to a VAE, as scalars:
     * <ul>
     * <li>{@code tc}: {@code mean(D(z)[:, 0] - D(z)[:, 1])}, the density-ratio estimate of TC that the VAE minimises
     * (times gamma). D is applied through {@link VaeNetworks.Mlp#stopGradient}, so this term trains the encoder
     * only.</li>
     * <li>{@code discriminatorLoss}: {@code 0.5 * (CE(D(sg z), real) + CE(D(permute(sg z)), permuted))}, batch means,
     * i.e. disentanglement_lib's {@code -discr_loss} (class 0 = codes from q(z), class 1 = permuted codes, with its
     * 0.5). The codes enter through a stop-gradient, so this term trains D only.</li>
     * </ul>
     * Hence one backward pass of {@code recon + kl + gamma * tc + discriminatorLoss} gives the encoder and decoder
     * the gradient of the VAE objective and D the gradient of its own loss; each group then gets its own optimiser.
     * D runs twice on the real codes (once with stopped weights, once with stopped input, the latter in one batch with
     * the permuted codes).
     *
     * @param disc      the discriminator's parameters ({@link VaeNetworks#discriminatorParams})
     * @param z         sampled codes {@code [B, D]}
     * @param flatIndex permutation indices from {@link #permuteDimsIndex}
     */
    public static FactorVaeTerms factorVaeTerms(VaeNetworks.Mlp disc, SDVariable z, SDVariable flatIndex) {
        SameDiff sd = z.getSameDiff();
        SDVariable vaeLogits = disc.stopGradient().apply(z);
        SDVariable tc = logitMargin(vaeLogits).mean().rename(FACTOR_TC);
        SDVariable zStopped = stopGradient(z);
        // one pass of D over [real; permuted] codes: half the op calls of two passes, the same values
        SDVariable[] logits = sd.split(disc.apply(sd.concat(0, zStopped, permuteDims(zStopped, flatIndex))), 2, 0);
        SDVariable realLogits = logits[0], permutedLogits = logits[1];
        // Two-class cross-entropy: CE(l, class 0) = softplus(l1 - l0), CE(l, class 1) = softplus(l0 - l1).
        SDVariable ceReal = softplus(logitMargin(realLogits).neg()).mean();
        SDVariable cePermuted = softplus(logitMargin(permutedLogits)).mean();
        SDVariable loss = ceReal.add(cePermuted).mul(0.5).rename(DISCRIMINATOR_LOSS);
        return new FactorVaeTerms(tc, loss, realLogits, permutedLogits);
    }

    /** The FactorVAE terms and D's logits {@code [B, 2]} on the (stopped) real and permuted codes, for monitoring. */
    public record FactorVaeTerms(SDVariable tc, SDVariable discriminatorLoss, SDVariable realLogits,
                                 SDVariable permutedLogits) {
    }

    /** {@code logits[:, 0] - logits[:, 1]} of {@code [B, 2]} logits: log p(real) - log p(permuted). */
    static SDVariable logitMargin(SDVariable logits) {
        return logits.get(SDIndex.all(), SDIndex.point(CLASS_REAL)).sub(logits.get(SDIndex.all(), SDIndex.point(CLASS_PERMUTED)));
    }

    /** log(1 + exp(x)) as {@code max(x, 0) + log(1 + exp(-|x|))}, finite for any x. */
    static SDVariable softplus(SDVariable x) {
        SameDiff sd = x.getSameDiff();
        return sd.nn().relu(x, 0.0).add(sd.math().log1p(sd.math().exp(sd.math().abs(x).neg())));
    }
}
