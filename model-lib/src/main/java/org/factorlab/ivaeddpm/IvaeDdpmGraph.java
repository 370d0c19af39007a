package org.factorlab.ivaeddpm;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.factorlab.nn.Conditioning;
import org.factorlab.nn.GradientCheck;
import org.factorlab.nn.Layers;
import org.factorlab.nn.Scope;
import org.factorlab.nn.TokenMlps;
import org.factorlab.nn.UNet;
import org.factorlab.train.GraphSession;
import org.factorlab.train.Losses;
import org.factorlab.train.ParameterGroup;
import org.factorlab.vae.VaeNetworks;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * iVAE+DDPM as SameDiff graphs. The iVAE's networks are the {@code ivae} family's, under the same parameter names
 * ({@code encoder/...}, {@code prior/...}, {@code decoder/...}), so an {@code ivae} checkpoint can be frozen into this
 * graph; the U-Net is under {@code unet/}, cross-attention's token MLPs under {@code tok/}. The training graph, the
 * encoder (codes), the iVAE decoder and the DDPM's denoiser share parameter names.
 */
public final class IvaeDdpmGraph {
    /** Placeholders. */
    public static final String X = "x";
    public static final String U = "u";
    public static final String EPS = "eps";
    public static final String GUMBEL = "gumbel";
    public static final String TAU = "tau";
    public static final String XT = "x_t";
    public static final String T = "t";
    public static final String TARGET = "target";
    /** A code {@code [B, latents]} fed to the decoder and the denoiser graphs. */
    public static final String Z = "z";
    /** Outputs. */
    public static final String CODE = "code";
    public static final String SAMPLE = "z_sample";
    public static final String LOGITS = "logits";
    public static final String PRED = "pred";
    public static final String OBJECTIVE = "objective";
    public static final String DDPM = "ddpm";
    public static final String REC = "rec";
    public static final String KL = "kl";
    /** Parameter scopes beyond the iVAE's. */
    public static final String UNET_SCOPE = "unet";
    public static final String TOKENS_SCOPE = "tok";
    /** Parameter groups: everything, or (iVAE frozen) the DDPM alone. */
    public static final String MODEL_GROUP = "model";
    public static final String DDPM_GROUP = "ddpm";

    private IvaeDdpmGraph() {
    }

    /** The prefixes of the iVAE's parameters, which a frozen parent supplies. */
    public static List<String> ivaeScopes() {
        return List.of(VaeNetworks.ENCODER + "/", VaeNetworks.PRIOR + "/", VaeNetworks.DECODER + "/");
    }

    /**
     * The training graph: {@code L = L_DDPM + lambdaRec L_rec + lambdaKl L_KL}, losses {@code total, ddpm, rec, kl}.
     *
     * @param frozen the iVAE's parameters from a frozen parent (empty: the iVAE trains)
     */
    public static GraphSession.Spec training(IvaeDdpmConfig c, int uDim, DataType dt, long seed, Map<String, INDArray> frozen) {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, dt, seed);
        var m = c.model();
        int d = m.latents(), cont = c.continuous();
        var g = c.gumbel();
        SDVariable x = image(sd, X, dt, m);
        SDVariable u = sd.placeHolder(U, dt, -1, uDim);
        IvaeDdpmLosses.Gaussian q = posterior(root, c, x, u, uDim);
        VaeNetworks.Gaussian prior = VaeNetworks.conditionalPrior(root.child(VaeNetworks.PRIOR), u, uDim, d, c.ivae().priorHidden(),
                c.ivae().learnPriorMean());
        IvaeDdpmLosses.Gaussian p = new IvaeDdpmLosses.Gaussian(prior.mean(), prior.logVar());
        boolean balanced = c.klBalancing().enabled();
        double alpha = c.klBalancing().alpha();
        List<SDVariable> zParts = new ArrayList<>();
        SDVariable kl = null;
        if (cont > 0) {
            SDVariable eps = sd.placeHolder(EPS, dt, -1, cont);
            IvaeDdpmLosses.Gaussian qc = new IvaeDdpmLosses.Gaussian(Layers.columns(q.mean(), 0, cont), Layers.columns(q.logVar(), 0, cont));
            IvaeDdpmLosses.Gaussian pc = new IvaeDdpmLosses.Gaussian(Layers.columns(p.mean(), 0, cont), Layers.columns(p.logVar(), 0, cont));
            zParts.add(qc.mean().add(sd.math().exp(qc.logVar().mul(0.5)).mul(eps)));
            kl = IvaeDdpmLosses.gaussianKl(qc, pc, balanced, alpha);
        }
        if (g.groups() > 0) {
            SDVariable gumbel = sd.placeHolder(GUMBEL, dt, -1, g.groups(), g.categories());
            SDVariable tau = sd.placeHolder(TAU, dt);
            SDVariable qLogits = groupLogits(q.mean(), cont, d, g);
            SDVariable pLogits = groupLogits(p.mean(), cont, d, g);
            zParts.add(IvaeDdpmLosses.gumbelSoftmax(qLogits, gumbel, tau, g.hard()).reshape(-1, g.width()));
            SDVariable catKl = IvaeDdpmLosses.categoricalKl(qLogits, pLogits, balanced, alpha);
            kl = kl == null ? catKl : kl.add(catKl);
        }
        SDVariable z = (zParts.size() == 1 ? zParts.get(0).add(0.0) : sd.concat(1, zParts.toArray(SDVariable[]::new))).rename(SAMPLE);
        SDVariable klMean = kl.mean().rename(KL);
        SDVariable logits = VaeNetworks.decoder(root.child(VaeNetworks.DECODER), z, d, m.imageChannels(), m.imageSize());
        SDVariable diffRec = decoded(logits).sub(x);
        SDVariable rec = diffRec.mul(diffRec).mean().rename(REC);
        SDVariable pred = denoise(root, c, image(sd, XT, dt, m), sd.placeHolder(T, dt, -1), z);
        SDVariable diff = pred.sub(image(sd, TARGET, dt, m));
        SDVariable ddpm = diff.mul(diff).mean().rename(DDPM);
        SDVariable objective = ddpm.add(rec.mul(c.objective().lambdaRec())).add(klMean.mul(c.objective().lambdaKl())).rename(OBJECTIVE);
        sd.setLossVariables(objective);
        Map<String, String> losses = new LinkedHashMap<>();
        losses.put(Losses.TOTAL, OBJECTIVE);
        losses.put(DDPM, DDPM);
        losses.put(REC, REC);
        losses.put(KL, KL);
        List<String> trainable = new ArrayList<>(GradientCheck.trainable(sd));
        trainable.removeAll(frozen.keySet());
        String group = frozen.isEmpty() ? MODEL_GROUP : DDPM_GROUP;
        return new GraphSession.Spec(sd, OBJECTIVE, losses, List.of(new ParameterGroup(group, trainable, c.optimizer())), List.of(), frozen);
    }

    /** {@link #X} (and {@link #U} for q(z|x,u)) to the code {@link #CODE}: posterior means, and each group's probabilities. */
    public static SameDiff encoder(IvaeDdpmConfig c, int uDim, DataType dt) {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, dt, 0);
        SDVariable x = image(sd, X, dt, c.model());
        SDVariable u = c.model().encoderInput() == IvaeDdpmConfig.EncoderInput.X_U ? sd.placeHolder(U, dt, -1, uDim) : null;
        IvaeDdpmLosses.Gaussian q = posterior(root, c, x, u, uDim);
        int cont = c.continuous(), d = c.model().latents();
        var g = c.gumbel();
        if (g.groups() == 0) {
            q.mean().add(0.0).rename(CODE);
        } else {
            SDVariable probs = sd.math().exp(IvaeDdpmLosses.logSoftmax(groupLogits(q.mean(), cont, d, g))).reshape(-1, g.width());
            (cont == 0 ? probs.add(0.0) : sd.concat(1, Layers.columns(q.mean(), 0, cont), probs)).rename(CODE);
        }
        return sd;
    }

    /** {@link #Z} to the iVAE decoder's logits {@link #LOGITS}; the image is {@code 2 sigmoid(logits) - 1}. */
    public static SameDiff decoder(IvaeDdpmConfig c, DataType dt) {
        SameDiff sd = SameDiff.create();
        var m = c.model();
        SDVariable z = sd.placeHolder(Z, dt, -1, m.latents());
        VaeNetworks.decoder(Scope.root(sd, dt, 0).child(VaeNetworks.DECODER), z, m.latents(), m.imageChannels(), m.imageSize())
                .add(0.0).rename(LOGITS);
        return sd;
    }

    /** The DDPM conditioned on a code: {@link #XT}, {@link #T}, {@link #Z} to the eps prediction {@link #PRED}. */
    public static SameDiff denoiser(IvaeDdpmConfig c, DataType dt) {
        SameDiff sd = SameDiff.create();
        var m = c.model();
        denoise(Scope.root(sd, dt, 0), c, image(sd, XT, dt, m), sd.placeHolder(T, dt, -1), sd.placeHolder(Z, dt, -1, m.latents()))
                .add(0.0).rename(PRED);
        return sd;
    }

    /** The iVAE decoder's image in [-1, 1]: {@code 2 sigmoid(logits) - 1}. */
    static SDVariable decoded(SDVariable logits) {
        return logits.getSameDiff().nn().sigmoid(logits).mul(2.0).sub(1.0);
    }

    private static IvaeDdpmLosses.Gaussian posterior(Scope root, IvaeDdpmConfig c, SDVariable x, SDVariable u, int uDim) {
        var m = c.model();
        boolean withU = m.encoderInput() == IvaeDdpmConfig.EncoderInput.X_U;
        VaeNetworks.Gaussian q = VaeNetworks.encoder(root.child(VaeNetworks.ENCODER), x, m.imageChannels(), m.imageSize(), m.latents(),
                withU ? u : null, withU ? uDim : 0);
        return new IvaeDdpmLosses.Gaussian(q.mean(), q.logVar());
    }

    /** The last {@code G k} entries of a head as logits {@code [B, G, k]}. */
    private static SDVariable groupLogits(SDVariable head, int cont, int d, IvaeDdpmConfig.Gumbel g) {
        return Layers.columns(head, cont, d).reshape(-1, g.groups(), g.categories());
    }

    private static SDVariable denoise(Scope root, IvaeDdpmConfig c, SDVariable xt, SDVariable t, SDVariable z) {
        var m = c.model();
        Scope s = root.child(UNET_SCOPE);
        if (m.conditioning() == Conditioning.CROSS_ATTENTION) {
            var tc = m.tokenConfig();
            SDVariable tokens = TokenMlps.tokens(root.child(TOKENS_SCOPE), tc, z);
            return UNet.build(s, m.unetConfig(), xt, t, tokens, tc.count(), tc.dim(), null, 0);
        }
        return UNet.build(s, m.unetConfig(), xt, t, null, 0, 0, z, m.latents());
    }

    private static SDVariable image(SameDiff sd, String name, DataType dt, IvaeDdpmConfig.Model m) {
        return sd.placeHolder(name, dt, -1, m.imageChannels(), m.imageSize(), m.imageSize());
    }
}
