package org.factorlab.vae;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.factorlab.nn.GradientCheck;
import org.factorlab.nn.Scope;
import org.factorlab.train.GraphSession;
import org.factorlab.train.Losses;
import org.factorlab.train.ParameterGroup;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * Graph factories of the VAE families: the training graph (objective, named losses, parameter groups) and the
 * inference graphs (posterior means; decoder logits). Parameter names are the same in all of them.
 */
public final class VaeGraph {
    /** Images {@code [B, C, H, W]} in [-1, 1]. */
    public static final String X = "x";
    /** Standard normal noise {@code [B, latents]} of the reparameterisation. */
    public static final String EPS = "eps";
    /** FactorVAE: flat permutation indices {@code [B * latents]} ({@link VaeLosses#permuteDimsIndex}). */
    public static final String PERM = "perm";
    /** iVAE: the auxiliary variable {@code [B, dim u]}. */
    public static final String U = "u";
    /** Codes {@code [B, latents]} for the decoder graph. */
    public static final String Z = "z";
    public static final String MEAN = "code_mean";
    public static final String LOGITS = "logits";
    public static final String OBJECTIVE = "objective";
    public static final String RECON = "recon";
    public static final String KL = "kl";
    public static final String TC = "tc";
    public static final String DISC = "disc";
    public static final String VAE_GROUP = "vae";
    public static final String DISCRIMINATOR_GROUP = "discriminator";

    private VaeGraph() {
    }

    /** The training graph as {@link GraphSession} wants it. {@code uDim} is iVAE's u width (0 otherwise). */
    public static GraphSession.Spec training(VaeKind kind, VaeConfig c, int uDim, DataType dtype, long seed) {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, dtype, seed);
        var m = c.model();
        int d = m.latents();
        SDVariable x = sd.placeHolder(X, dtype, -1, m.imageChannels(), m.imageSize(), m.imageSize());
        SDVariable eps = sd.placeHolder(EPS, dtype, -1, d);
        SDVariable x01 = x.add(1.0).mul(0.5);
        VaeNetworks.Gaussian q = VaeNetworks.encoder(root.child(VaeNetworks.ENCODER), x, m.imageChannels(), m.imageSize(), d);
        SDVariable z = VaeLosses.sample(q.mean(), q.logVar(), eps);
        SDVariable logits = VaeNetworks.decoder(root.child(VaeNetworks.DECODER), z, d, m.imageChannels(), m.imageSize());
        SDVariable recon = (c.objective().reconstruction() == VaeConfig.Reconstruction.BERNOULLI
                ? VaeLosses.bernoulliReconstruction(logits, x01) : VaeLosses.l2Reconstruction(logits, x01)).mean().rename(RECON);
        Map<String, String> losses = new LinkedHashMap<>();
        losses.put(Losses.TOTAL, OBJECTIVE);
        losses.put(RECON, RECON);
        losses.put(KL, KL);
        List<String> vaeParams = new ArrayList<>(GradientCheck.trainable(sd));
        List<ParameterGroup> groups = new ArrayList<>();
        SDVariable objective;
        switch (kind) {
            case BETA_VAE -> {
                SDVariable kl = VaeLosses.klStandardNormal(q.mean(), q.logVar()).mean().rename(KL);
                objective = recon.add(kl.mul(c.objective().beta()));
            }
            case BETA_TCVAE -> {
                SDVariable kl = VaeLosses.klStandardNormal(q.mean(), q.logVar()).mean().rename(KL);
                SDVariable tc = VaeLosses.totalCorrelation(z, q.mean(), q.logVar()).rename(TC);
                objective = recon.add(kl).add(tc.mul(c.objective().beta() - 1));
                losses.put(TC, TC);
            }
            case FACTOR_VAE -> {
                SDVariable kl = VaeLosses.klStandardNormal(q.mean(), q.logVar()).mean().rename(KL);
                SDVariable perm = sd.placeHolder(PERM, DataType.INT64, -1);
                var disc = VaeNetworks.mlp(root.child(VaeNetworks.DISCRIMINATOR), d, c.discriminator().width(), 2,
                        c.discriminator().layers(), VaeNetworks.DISCRIMINATOR_SLOPE);
                var terms = VaeLosses.factorVaeTerms(disc, z, perm);
                SDVariable tc = terms.tc().add(0.0).rename(TC);
                SDVariable dl = terms.discriminatorLoss().add(0.0).rename(DISC);
                // the VAE's objective plus the discriminator's; stop-gradients inside route each to its group
                objective = recon.add(kl).add(tc.mul(c.objective().gamma())).add(dl);
                losses.put(TC, TC);
                losses.put(DISC, DISC);
                List<String> discParams = new ArrayList<>(GradientCheck.trainable(sd));
                discParams.removeAll(vaeParams);
                groups.add(new ParameterGroup(DISCRIMINATOR_GROUP, discParams, c.discriminator().optimizer()));
            }
            case IVAE -> {
                var iv = c.ivae();
                SDVariable u = sd.placeHolder(U, dtype, -1, uDim);
                VaeNetworks.Gaussian p = VaeNetworks.conditionalPrior(root.child(VaeNetworks.PRIOR), u, uDim, d, iv.priorHidden(),
                        iv.learnPriorMean());
                SDVariable kl = VaeLosses.klDiagonalGaussians(q.mean(), q.logVar(), p.mean(), p.logVar()).mean().rename(KL);
                objective = recon.add(kl.mul(c.objective().beta()));
                vaeParams = new ArrayList<>(GradientCheck.trainable(sd));
            }
            default -> throw new IllegalStateException(kind.toString());
        }
        objective.rename(OBJECTIVE);
        groups.add(0, new ParameterGroup(VAE_GROUP, vaeParams, c.optimizer()));
        return new GraphSession.Spec(sd, OBJECTIVE, losses, groups, List.of());
    }

    /** x -> posterior means ({@value #MEAN}): the code evaluation uses. */
    public static SameDiff encoder(VaeConfig c, DataType dtype) {
        SameDiff sd = SameDiff.create();
        var m = c.model();
        SDVariable x = sd.placeHolder(X, dtype, -1, m.imageChannels(), m.imageSize(), m.imageSize());
        VaeNetworks.encoder(Scope.root(sd, dtype, 0).child(VaeNetworks.ENCODER), x, m.imageChannels(), m.imageSize(), m.latents())
                .mean().add(0.0).rename(MEAN);
        return sd;
    }

    /** z -> decoder logits ({@value #LOGITS}). */
    public static SameDiff decoder(VaeConfig c, DataType dtype) {
        SameDiff sd = SameDiff.create();
        var m = c.model();
        SDVariable z = sd.placeHolder(Z, dtype, -1, m.latents());
        VaeNetworks.decoder(Scope.root(sd, dtype, 0).child(VaeNetworks.DECODER), z, m.latents(), m.imageChannels(), m.imageSize())
                .add(0.0).rename(LOGITS);
        return sd;
    }
}
