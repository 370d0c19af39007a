package org.factorlab.ddpm;

import org.factorlab.nn.Scope;
import org.factorlab.nn.UNet;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The unconditional U-Net as SameDiff graphs: the training graph (model output against the diffusion core's target)
 * and the denoiser for sampling. Both name their parameters under {@link #UNET_SCOPE}, which DisDiff freezes.
 */
public final class DdpmGraph {
    /** Placeholders. */
    public static final String XT = "x_t";
    public static final String T = "t";
    public static final String TARGET = "target";
    /** Outputs. */
    public static final String PRED = "pred";
    public static final String LOSS = "loss";
    /** Parameter scope of the U-Net. */
    public static final String UNET_SCOPE = "unet";

    private DdpmGraph() {
    }

    public static SameDiff training(DdpmConfig cfg, DataType dt, long seed) {
        SameDiff sd = SameDiff.create();
        SDVariable pred = denoiser(sd, cfg, dt, seed);
        SDVariable diff = pred.sub(diffused(sd, TARGET, dt, cfg));
        SDVariable elementwise = switch (cfg.diffusion().loss()) {
            case L1 -> sd.math().abs(diff);
            case MSE -> diff.mul(diff);
        };
        elementwise.mean(LOSS);
        sd.setLossVariables(LOSS);
        return sd;
    }

    /** {@link #XT}, {@link #T} -> {@link #PRED}. */
    public static SameDiff denoiser(DdpmConfig cfg, DataType dt, long seed) {
        SameDiff sd = SameDiff.create();
        denoiser(sd, cfg, dt, seed);
        return sd;
    }

    private static SDVariable denoiser(SameDiff sd, DdpmConfig cfg, DataType dt, long seed) {
        Scope s = Scope.root(sd, dt, seed).child(UNET_SCOPE);
        SDVariable xt = diffused(sd, XT, dt, cfg);
        return UNet.build(s, cfg.unetConfig(), xt, sd.placeHolder(T, dt, -1), null, 0, 0, null, 0).rename(PRED);
    }

    /** What the diffusion runs on: images, or the first stage's latent. */
    static SDVariable diffused(SameDiff sd, String name, DataType dt, DdpmConfig cfg) {
        int c = cfg.firstStage().diffusionChannels(cfg.model().imageChannels()), r = cfg.firstStage().diffusionSize(cfg.model().imageSize());
        return sd.placeHolder(name, dt, -1, c, r, r);
    }

    static SDVariable image(SameDiff sd, String name, DataType dt, DdpmConfig.Model m) {
        return sd.placeHolder(name, dt, -1, m.imageChannels(), m.imageSize(), m.imageSize());
    }
}
