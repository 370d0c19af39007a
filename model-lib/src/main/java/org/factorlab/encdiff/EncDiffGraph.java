package org.factorlab.encdiff;

import java.util.List;
import org.factorlab.nn.Conditioning;
import org.factorlab.nn.Encoder4;
import org.factorlab.nn.Scope;
import org.factorlab.nn.TokenConfig;
import org.factorlab.nn.TokenMlps;
import org.factorlab.nn.UNet;
import org.factorlab.nn.UNetConfig;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * EncDiff as SameDiff graphs: image encoder -> code (20 scalars) -> concept tokens -> U-Net(x_t, t, tokens).
 * Three graphs share parameter names (and, through {@link Scope}, initial values): the training graph (loss), the
 * encoder in eval mode (representations), and the conditional denoiser that takes tokens (sampling).
 * q_sample, timesteps and targets are computed outside the graph by the diffusion core and fed as placeholders.
 * For a latent model ({@code firstStage.checkpoint}) x_t, the target and the U-Net live on the first stage's latent,
 * while the encoder still reads the image {@link #X0}.
 */
public final class EncDiffGraph {
    /** Placeholders. */
    public static final String X0 = "x0";
    public static final String XT = "x_t";
    public static final String T = "t";
    public static final String TARGET = "target";
    /** Tokens {@code [B*K, d]} fed to the denoiser graph. */
    public static final String TOKENS_IN = "tokens_in";
    /** Outputs. */
    public static final String CODE = "code";
    public static final String TOKENS = "tokens";
    public static final String PRED = "pred";
    public static final String LOSS = "loss";
    /** Parameter scopes. */
    public static final String ENCODER_SCOPE = "enc";
    public static final String TOKENS_SCOPE = "tok";
    public static final String UNET_SCOPE = "unet";

    private EncDiffGraph() {
    }

    /** A built graph and the names the session needs. */
    public record Built(SameDiff sd, List<String> batchNormLayers) {
    }

    public static Built training(EncDiffConfig cfg, DataType dt, long seed) {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, dt, seed);
        EncDiffConfig.Model m = cfg.model();
        SDVariable x0 = image(sd, X0, dt, m);
        SDVariable xt = diffused(sd, XT, dt, cfg);
        SDVariable t = sd.placeHolder(T, dt, -1);
        SDVariable target = diffused(sd, TARGET, dt, cfg);
        var enc = Encoder4.build(root.child(ENCODER_SCOPE), m.encoderConfig(), x0, Encoder4.Mode.TRAIN);
        SDVariable code = enc.code().rename(CODE);
        SDVariable tokens = TokenMlps.tokens(root.child(TOKENS_SCOPE), m.tokens(), code).rename(TOKENS);
        SDVariable pred = denoiser(root, cfg, xt, t, tokens).rename(PRED);
        SDVariable diff = pred.sub(target);
        SDVariable elementwise = switch (cfg.diffusion().loss()) {
            case L1 -> sd.math().abs(diff);
            case MSE -> diff.mul(diff);
        };
        elementwise.mean(LOSS);
        sd.setLossVariables(LOSS);
        return new Built(sd, enc.batchNormLayers());
    }

    /** Encoder and token MLPs in eval mode: {@link #X0} -> {@link #CODE}, {@link #TOKENS}. */
    public static Built encoder(EncDiffConfig cfg, DataType dt, long seed) {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, dt, seed);
        EncDiffConfig.Model m = cfg.model();
        var enc = Encoder4.build(root.child(ENCODER_SCOPE), m.encoderConfig(), image(sd, X0, dt, m), Encoder4.Mode.EVAL);
        SDVariable code = enc.code().rename(CODE);
        TokenMlps.tokens(root.child(TOKENS_SCOPE), m.tokens(), code).rename(TOKENS);
        return new Built(sd, enc.batchNormLayers());
    }

    /** The conditional denoiser: {@link #XT}, {@link #T}, {@link #TOKENS_IN} -> {@link #PRED}. */
    public static Built denoiser(EncDiffConfig cfg, DataType dt, long seed) {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, dt, seed);
        EncDiffConfig.Model m = cfg.model();
        SDVariable tokens = sd.placeHolder(TOKENS_IN, dt, -1, m.tokens().dim());
        denoiser(root, cfg, diffused(sd, XT, dt, cfg), sd.placeHolder(T, dt, -1), tokens).rename(PRED);
        return new Built(sd, List.of());
    }

    private static SDVariable denoiser(Scope root, EncDiffConfig cfg, SDVariable xt, SDVariable t, SDVariable tokens) {
        EncDiffConfig.Model m = cfg.model();
        TokenConfig tc = m.tokens();
        UNetConfig u = cfg.unetConfig();
        Scope s = root.child(UNET_SCOPE);
        return switch (m.conditioning()) {
            case CROSS_ATTENTION -> UNet.build(s, u, xt, t, tokens, tc.count(), tc.dim(), null, 0);
            case ADAGN -> UNet.build(s, u, xt, t, null, 0, 0, tokens.reshape(-1, (long) tc.count() * tc.dim()), tc.count() * tc.dim());
            case NONE -> UNet.build(s, u, xt, t, null, 0, 0, null, 0);
        };
    }

    /** What the diffusion runs on: images, or the first stage's latent. */
    private static SDVariable diffused(SameDiff sd, String name, DataType dt, EncDiffConfig cfg) {
        int c = cfg.firstStage().diffusionChannels(cfg.model().imageChannels()), r = cfg.firstStage().diffusionSize(cfg.model().imageSize());
        return sd.placeHolder(name, dt, -1, c, r, r);
    }

    private static SDVariable image(SameDiff sd, String name, DataType dt, EncDiffConfig.Model m) {
        return sd.placeHolder(name, dt, -1, m.imageChannels(), m.imageSize(), m.imageSize());
    }

    static boolean usesTokens(Conditioning c) {
        return c != Conditioning.NONE;
    }
}
