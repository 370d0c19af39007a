package org.factorlab.disdiff;

import java.util.List;
import org.factorlab.ddpm.DdpmGraph;
import org.factorlab.nn.Encoder4;
import org.factorlab.nn.Layers;
import org.factorlab.nn.MatrixExp;
import org.factorlab.nn.Scope;
import org.factorlab.nn.UNet;
import org.factorlab.nn.UNetConfig;
import org.factorlab.vq.VqConfig;
import org.factorlab.vq.VqNetworks;
import org.nd4j.autodiff.samediff.SDIndex;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;

/**
 * DisDiff as SameDiff graphs. The parent's U-Net (scope {@link DdpmGraph#UNET_SCOPE}, frozen) gives eps_theta, the
 * time embedding and the skips; G (scope {@link #G_SCOPE}) is a second decoder half, freshly initialised, whose
 * ResBlocks take a second scale-shift from a unit's condition, run once per unit on the tiled trunk. The diffusion
 * core stays outside: timesteps, noise and the per-timestep coefficients are placeholders.
 *
 * <p>Unit c is told apart by its condition {@code SiLU(Linear(z^c))} and by row c of the orthogonal matrix
 * {@code expm(W - W^T)} through a Linear, added to the time embedding.
 */
public final class DisDiffGraph {
    /** Placeholders. */
    public static final String X0 = "x0";
    public static final String XT = DdpmGraph.XT;
    public static final String T = DdpmGraph.T;
    public static final String NOISE = "noise";
    public static final String SHIFT_COEF = "shift_coef";
    public static final String DDIM_COEF = "ddim_coef";
    public static final String SQRT_RECIP = "sqrt_recip_abar";
    public static final String SQRT_RECIPM1 = "sqrt_recipm1_abar";
    /** One-hot {@code [B, N]}: the unit c_b sampled for the disentangling loss. */
    public static final String UNIT = "unit";
    public static final String EXPM_SCALE = "expm_scale";
    public static final String EXPM_MASK = "expm_mask";
    /** Inference inputs: codes {@code [B, N*d]} and per-unit weights {@code [B, N]} (all ones: full condition). */
    public static final String CODE_IN = "code_in";
    public static final String UNIT_WEIGHTS = "unit_weights";
    /** Outputs. */
    public static final String CODE = "code";
    public static final String EPS_THETA = "eps_theta";
    public static final String EPS = "eps";
    public static final String G_SUM = "g_sum";
    public static final String RECON = "recon";
    public static final String DIS_VARIANT = "dis_variant";
    public static final String DIS_INVARIANT = "dis_invariant";
    public static final String TOTAL = "total";
    /** The per-sample weight w_b of the disentangling loss (no gradient). */
    public static final String DIS_WEIGHT = "dis_weight";
    /** Test-only placeholders replacing the stop-gradients' values (see {@link #training(DisDiffConfig, DataType, long, boolean)}). */
    static final String WEIGHT_IN = "weight_in";
    static final String CODE_TARGET_IN = "code_target_in";
    /** Parameter scopes. */
    public static final String ENCODER_SCOPE = "enc";
    /** E': the eval-mode copy of the encoder inside the disentangling loss; graph constants refreshed every step. */
    public static final String ENCODER_COPY_SCOPE = "enc_eval";
    public static final String G_SCOPE = "g";
    public static final String PART_SCOPE = "part";
    public static final String COND_SCOPE = "cond";
    /** W of the part embedding, {@code [E/2, E/2]} (the official nn.Embedding weight, N(0, 1) at start). */
    public static final String PART_LATENTS = PART_SCOPE + "/latents";
    /** Scope of the first stage's decoder inside a latent model's training graph (frozen). */
    public static final String FIRST_STAGE_SCOPE = "first_stage";
    /** Keeps ||a|| differentiable at a = 0 (G starts at 0, so z_hat_new = z_hat exactly): its gradient there is 0, as torch.norm's. */
    static final double NORM_EPS = 1e-12;

    private DisDiffGraph() {
    }

    /** A built training graph and its encoder's BatchNorm layers. */
    public record Built(SameDiff sd, List<String> batchNormLayers) {
    }

    /**
     * A latent model's first-stage decoder in the disentangling loss: x0_hat (a scaled latent) / {@code scale}, then
     * post_quant_conv and the decoder without quantising (the differentiable path), with frozen parameters.
     */
    public record LatentDecoder(VqConfig.Model model, double scale) {
    }

    /** The training graph: {@link #RECON}, {@link #DIS_VARIANT}, {@link #DIS_INVARIANT} and {@link #TOTAL}. */
    public static Built training(DisDiffConfig cfg, DataType dt, long seed) {
        return training(cfg, dt, seed, false, null);
    }

    /** The training graph of a latent model ({@code firstStage} null: pixels). */
    public static Built training(DisDiffConfig cfg, DataType dt, long seed, LatentDecoder firstStage) {
        return training(cfg, dt, seed, false, firstStage);
    }

    static Built training(DisDiffConfig cfg, DataType dt, long seed, boolean stopGradientInputs) {
        return training(cfg, dt, seed, stopGradientInputs, null);
    }

    /**
     * @param stopGradientInputs the values behind the stop-gradients of the disentangling loss (the weight w_b and the
     *                           code target sg(z)) come from placeholders {@link #WEIGHT_IN} and {@link #CODE_TARGET_IN}:
     *                           a graph whose loss is a plain function of its parameters, for finite-difference checks
     */
    static Built training(DisDiffConfig cfg, DataType dt, long seed, boolean stopGradientInputs, LatentDecoder firstStage) {
        if (cfg.firstStage().latent() != (firstStage != null))
            throw new IllegalArgumentException(org.factorlab.latent.FirstStageConfig.KEY + ": a latent DisDiff graph needs the first stage's decoder");
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, dt, seed);
        DisDiffConfig.Model m = cfg.model();
        UNetConfig u = cfg.unetConfig();
        int n = m.latentUnit(), d = m.unitDim();
        SDVariable x0 = image(sd, X0, dt, m), xt = diffused(sd, XT, dt, cfg), noise = diffused(sd, NOISE, dt, cfg);
        SDVariable t = sd.placeHolder(T, dt, -1);
        SDVariable shift = perSample(sd, SHIFT_COEF, dt), ddim = perSample(sd, DDIM_COEF, dt);
        SDVariable recip = perSample(sd, SQRT_RECIP, dt), recipm1 = perSample(sd, SQRT_RECIPM1, dt);
        SDVariable unit = sd.placeHolder(UNIT, dt, -1, n);

        Scope unetScope = root.child(DdpmGraph.UNET_SCOPE);
        UNet.Trunk trunk = UNet.trunk(unetScope, u, xt, t, null, 0, 0, null, 0);
        SDVariable epsTheta = UNet.head(unetScope, u, trunk, trunk.emb(), null, 0, 0, null, 0).rename(EPS_THETA);

        var enc = Encoder4.build(root.child(ENCODER_SCOPE), m.encoderConfig(), x0, Encoder4.Mode.TRAIN);
        SDVariable z = enc.code().rename(CODE);
        SDVariable parts = partEmbedding(root, m, expmScale(sd, dt), expmMask(sd, dt));

        // every unit k in one G pass: rows k*B + b; with detachCondition one more slot, sampled unit on sg(z)
        SDVariable zUnits = unitMajor(z, n, d);
        SDVariable embUnits = perUnitEmbedding(trunk.emb(), parts, n, u.timeEmbedDim());
        boolean detach = cfg.disentangle().detachCondition();
        int slots = detach ? n + 1 : n;
        if (detach) {
            SDVariable zSel = stopGradient(z).reshape(-1, n, d).mul(unit.reshape(-1, n, 1)).sum(1);
            zUnits = sd.concat(0, zUnits, zSel);
            embUnits = sd.concat(0, embUnits, trunk.emb().add(unit.mmul(parts)));
        }
        SDVariable g = decoderHalf(root, m, u, trunk.tiled(slots), embUnits, zUnits)
                .reshape(slots, -1, cfg.diffusionChannels(), cfg.diffusionSize(), cfg.diffusionSize());
        // slots picked by constant masks, not slices: strided_slice's backward fails on these shapes in M2.1
        SDVariable gSum = detach ? pick(g, 5, slots, 0, n) : g.sum(0);
        gSum = gSum.rename(G_SUM);
        SDVariable gSampled = detach ? pick(g, 5, slots, n, n + 1) : g.mul(unit.permute(1, 0).reshape(n, -1, 1, 1, 1)).sum(0);

        // PDAE reconstruction loss
        SDVariable diff = epsTheta.add(shift.mul(gSum)).sub(noise);
        SDVariable recon = switch (cfg.diffusion().loss()) {
            case L1 -> sd.math().abs(diff);
            case MSE -> diff.mul(diff);
        };
        recon = recon.mean().rename(RECON);

        // disentangling loss through E', whose parameters are constants
        SDVariable x0Hat = recip.mul(xt).sub(recipm1.mul(epsTheta));
        SDVariable x0New = recip.mul(xt).sub(recipm1.mul(epsTheta.add(ddim.mul(gSampled))));
        SDVariable estimates = sd.concat(0, x0Hat, x0New);
        // a latent model's estimates are latents: E' reads them decoded by the frozen first stage, unquantised
        if (firstStage != null)
            estimates = VqNetworks.decode(root.child(FIRST_STAGE_SCOPE), estimates.div(firstStage.scale()), firstStage.model()).image();
        var copy = Encoder4.build(root.child(ENCODER_COPY_SCOPE), m.encoderConfig(), estimates, Encoder4.Mode.EVAL);
        SDVariable both = copy.code().reshape(2, -1, n, d);
        SDVariable zHat = pick(both, 4, 2, 0, 1), zNew = pick(both, 4, 2, 1, 2);
        SDVariable zDet = (stopGradientInputs ? sd.placeHolder(CODE_TARGET_IN, dt, -1, (long) n * d) : stopGradient(z)).reshape(-1, n, d);
        SDVariable sq = x0Hat.sub(stopGradient(x0New));
        SDVariable weight = stopGradient(sq.mul(sq).mean(1, 2, 3)).rename(DIS_WEIGHT);
        SDVariable[] ce = disentangling(zHat, zNew, zDet, unit);
        SDVariable w = stopGradientInputs ? sd.placeHolder(WEIGHT_IN, dt, -1) : weight;
        SDVariable disVariant = w.mul(ce[0]).mean().rename(DIS_VARIANT);
        SDVariable disInvariant = w.mul(ce[1]).mean().rename(DIS_INVARIANT);
        recon.add(disVariant.add(disInvariant).mul(cfg.disentangle().weight())).rename(TOTAL);
        sd.setLossVariables(TOTAL);
        return new Built(sd, enc.batchNormLayers());
    }

    /**
     * The inference denoiser: {@link #XT}, {@link #T}, {@link #CODE_IN}, {@link #UNIT_WEIGHTS}, {@link #DDIM_COEF} ->
     * {@link #EPS} = eps_theta + ddim_coef_t sum_k w_k G_k (Eq. 6 with one-hot weights; the full condition with ones).
     */
    public static SameDiff denoiser(DisDiffConfig cfg, DataType dt, long seed) {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, dt, seed);
        DisDiffConfig.Model m = cfg.model();
        UNetConfig u = cfg.unetConfig();
        int n = m.latentUnit(), d = m.unitDim();
        SDVariable xt = diffused(sd, XT, dt, cfg), t = sd.placeHolder(T, dt, -1);
        SDVariable code = sd.placeHolder(CODE_IN, dt, -1, (long) n * d);
        SDVariable weights = sd.placeHolder(UNIT_WEIGHTS, dt, -1, n);
        Scope unetScope = root.child(DdpmGraph.UNET_SCOPE);
        UNet.Trunk trunk = UNet.trunk(unetScope, u, xt, t, null, 0, 0, null, 0);
        SDVariable epsTheta = UNet.head(unetScope, u, trunk, trunk.emb(), null, 0, 0, null, 0).rename(EPS_THETA);
        SDVariable parts = partEmbedding(root, m, expmScale(sd, dt), expmMask(sd, dt));
        SDVariable g = decoderHalf(root, m, u, trunk.tiled(n), perUnitEmbedding(trunk.emb(), parts, n, u.timeEmbedDim()), unitMajor(code, n, d))
                .reshape(n, -1, cfg.diffusionChannels(), cfg.diffusionSize(), cfg.diffusionSize());
        SDVariable gWeighted = g.mul(weights.permute(1, 0).reshape(n, -1, 1, 1, 1)).sum(0);
        epsTheta.add(perSample(sd, DDIM_COEF, dt).mul(gWeighted)).rename(EPS);
        return sd;
    }

    /** The encoder in eval mode: {@link #X0} -> {@link #CODE}. */
    public static SameDiff encoder(DisDiffConfig cfg, DataType dt, long seed) {
        SameDiff sd = SameDiff.create();
        Encoder4.build(Scope.root(sd, dt, seed).child(ENCODER_SCOPE), cfg.model().encoderConfig(), image(sd, X0, dt, cfg.model()),
                Encoder4.Mode.EVAL).code().rename(CODE);
        return sd;
    }

    /** Rows 0..N-1 of expm(W - W^T), through Linear(E/2 -> E): {@code [N, E]}. */
    private static SDVariable partEmbedding(Scope root, DisDiffConfig.Model m, SDVariable scale, SDVariable mask) {
        int e = m.unetConfig().timeEmbedDim(), half = e / 2;
        Scope s = root.child(PART_SCOPE);
        SDVariable w = s.normal("latents", 0, 1, half, half);
        SDVariable p = MatrixExp.build(w.sub(w.permute(1, 0)), half, scale, mask, MatrixExp.MAX_SQUARINGS);
        SDVariable rows = p.get(SDIndex.interval(0, m.latentUnit()), SDIndex.all());
        return Layers.linear(s.child("emb"), rows, half, e, true, false);
    }

    /** The time embedding plus unit k's part embedding, rows k*B + b: {@code [N*B, E]}. */
    private static SDVariable perUnitEmbedding(SDVariable emb, SDVariable parts, int n, int e) {
        return emb.reshape(1, -1, e).add(parts.reshape(n, 1, e)).reshape(-1, e);
    }

    /** Codes {@code [B, N*d]} to units in rows k*B + b: {@code [N*B, d]}. */
    private static SDVariable unitMajor(SDVariable code, int n, int d) {
        return code.reshape(-1, n, d).permute(1, 0, 2).reshape(-1, d);
    }

    /** G on a tiled trunk: unit conditions {@code [M, d]} through Linear(d -> E) and SiLU into every ResBlockShift. */
    private static SDVariable decoderHalf(Scope root, DisDiffConfig.Model m, UNetConfig u, UNet.Trunk trunk, SDVariable emb, SDVariable units) {
        int e = u.timeEmbedDim();
        SDVariable cond = Layers.silu(Layers.linear(root.child(COND_SCOPE), units, m.unitDim(), e, true, false));
        return UNet.head(root.child(G_SCOPE), u, trunk, emb, null, 0, 0, cond, e);
    }

    /**
     * The disentangling loss's two cross-entropies per sample {@code [B]}, from E'(x0_hat) {@code zHat}, E'(x0_hat_new)
     * {@code zNew} and the detached code {@code z}, all {@code [B, N, d]}, and the one-hot sampled units {@code [B, N]}:
     * variant logits {@code ||zHat^k - z^k|| - ||zNew^k - z^k||}, invariant logits {@code ||zHat^k - zNew^k||}.
     */
    static SDVariable[] disentangling(SDVariable zHat, SDVariable zNew, SDVariable z, SDVariable unit) {
        SDVariable variant = norm(zHat.sub(z)).sub(norm(zNew.sub(z)));
        SDVariable invariant = norm(zHat.sub(zNew));
        return new SDVariable[]{crossEntropy(variant, unit), crossEntropy(invariant, unit)};
    }

    /** The sum over slots [from, to) of the first axis of {@code x [slots, ...]} of rank {@code rank}, by a constant mask. */
    private static SDVariable pick(SDVariable x, int rank, int slots, int from, int to) {
        double[] m = new double[slots];
        for (int i = from; i < to; i++) m[i] = 1;
        long[] shape = new long[rank];
        java.util.Arrays.fill(shape, 1);
        shape[0] = slots;
        return x.mul(x.getSameDiff().constant(org.nd4j.linalg.factory.Nd4j.create(m, shape, DataType.DOUBLE).castTo(x.dataType()))).sum(0);
    }

    /** Per-unit L2 norms over the last axis of {@code [B, N, d]}: {@code [B, N]}. */
    private static SDVariable norm(SDVariable x) {
        return x.getSameDiff().math().sqrt(x.mul(x).sum(2).add(NORM_EPS));
    }

    /** Cross-entropy per sample of logits {@code [B, N]} against one-hot labels. */
    private static SDVariable crossEntropy(SDVariable logits, SDVariable oneHot) {
        SameDiff sd = logits.getSameDiff();
        SDVariable max = stopGradient(logits.max(true, 1));
        SDVariable lse = sd.math().log(sd.math().exp(logits.sub(max)).sum(true, 1)).add(max);
        return lse.sub(logits.mul(oneHot).sum(true, 1)).reshape(-1);
    }

    static SDVariable stopGradient(SDVariable x) {
        return new StopGradient(x.getSameDiff(), x).outputVariable();
    }

    private static SDVariable expmScale(SameDiff sd, DataType dt) {
        return sd.placeHolder(EXPM_SCALE, dt, 1, 1);
    }

    private static SDVariable expmMask(SameDiff sd, DataType dt) {
        return sd.placeHolder(EXPM_MASK, dt, MatrixExp.MAX_SQUARINGS + 1, 1, 1);
    }

    private static SDVariable perSample(SameDiff sd, String name, DataType dt) {
        return sd.placeHolder(name, dt, -1, 1, 1, 1);
    }

    /** What the diffusion runs on: images, or the first stage's latent. */
    private static SDVariable diffused(SameDiff sd, String name, DataType dt, DisDiffConfig cfg) {
        return sd.placeHolder(name, dt, -1, cfg.diffusionChannels(), cfg.diffusionSize(), cfg.diffusionSize());
    }

    private static SDVariable image(SameDiff sd, String name, DataType dt, DisDiffConfig.Model m) {
        return sd.placeHolder(name, dt, -1, m.imageChannels(), m.imageSize(), m.imageSize());
    }
}
