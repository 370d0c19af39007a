package org.factorlab.ivaeddpm;

import java.util.List;
import org.factorlab.config.ConfigTree;
import org.factorlab.diffusion.DiffusionConfig;
import org.factorlab.diffusion.LossType;
import org.factorlab.diffusion.Parameterization;
import org.factorlab.nn.Conditioning;
import org.factorlab.nn.TokenConfig;
import org.factorlab.nn.UNetConfig;
import org.factorlab.train.TrainSettings;
import org.factorlab.train.optim.OptimizerConfig;
import org.factorlab.vae.VaeConfig;
import org.factorlab.vae.VaeNetworks;

/**
 * An {@code ivae-ddpm} run's configuration (defaults: {@code ivae-ddpm-defaults.yaml}, the paper's table 1). Every
 * error names the file and the key.
 */
public record IvaeDdpmConfig(Pretrained pretrained, Model model, Objective objective, KlBalancing klBalancing, Gumbel gumbel,
                             VaeConfig.Ivae ivae, DiffusionConfig diffusion, OptimizerConfig optimizer, TrainSettings train) {
    /** Config key of the optional parent (an {@code ivae} checkpoint, frozen). */
    public static final String PRETRAINED_KEY = "pretrained.checkpoint";
    private static final String DEFAULTS = "ivae-ddpm-defaults.yaml";

    public IvaeDdpmConfig {
        if (pretrained == null || model == null || objective == null || klBalancing == null || gumbel == null || ivae == null
                || diffusion == null || optimizer == null || train == null)
            throw new IllegalArgumentException("config needs pretrained, model, objective, klBalancing, gumbel, ivae, diffusion, "
                    + "optimizer and train sections");
    }

    /** The frozen iVAE parent; empty: the iVAE trains with the DDPM. */
    public record Pretrained(String checkpoint) {
        public Pretrained {
            if (checkpoint == null) checkpoint = "";
        }

        public boolean frozen() {
            return !checkpoint.isBlank();
        }
    }

    /** What the encoder reads: the image alone, or the image and u. */
    public enum EncoderInput {
        /** q(z|x), as the paper and ilkhem/iVAE's image models. */
        X,
        /** q(z|x,u), iVAE's general form: u is joined to the flattened conv features. */
        X_U
    }

    public record Model(int imageSize, int imageChannels, int latents, EncoderInput encoderInput, Conditioning conditioning,
                        Tokens tokens, Unet unet) {
        public Model {
            if (latents < 1) throw new IllegalArgumentException("model.latents: must be >= 1, got " + latents);
            if (imageChannels < 1) throw new IllegalArgumentException("model.imageChannels: must be >= 1, got " + imageChannels);
            if (encoderInput == null) throw new IllegalArgumentException("model.encoderInput: x or x_u");
            if (conditioning == null || conditioning == Conditioning.NONE)
                throw new IllegalArgumentException("model.conditioning: adagn or cross_attention (the DDPM must see z), got "
                        + (conditioning == null ? "nothing" : "none"));
            if (tokens == null || unet == null) throw new IllegalArgumentException("model.tokens and model.unet: required");
        }

        public UNetConfig unetConfig() {
            return new UNetConfig(imageChannels, imageChannels, imageSize, unet.modelChannels(), unet.channelMult(), unet.numResBlocks(),
                    unet.attentionResolutions(), List.of(), unet.numHeads(), unet.dimHead(), unet.groups(), unet.resblockUpdown(),
                    unet.transformerDepth());
        }

        /** Cross-attention: one token per entry of z, each through its own MLP (EncDiff's scalar tokens). */
        public TokenConfig tokenConfig() {
            return new TokenConfig(TokenConfig.TokenKind.SCALAR, latents, tokens.dim(), tokens.hidden1(), tokens.hidden2());
        }
    }

    public record Tokens(int dim, int hidden1, int hidden2) {
    }

    public record Unet(int modelChannels, List<Integer> channelMult, int numResBlocks, List<Integer> attentionResolutions,
                       int numHeads, int dimHead, int groups, boolean resblockUpdown, int transformerDepth) {
    }

    /** The weights of Eq. 2: {@code L = L_DDPM + lambdaRec L_rec + lambdaKl L_KL}. */
    public record Objective(double lambdaRec, double lambdaKl) {
        public Objective {
            if (!(lambdaRec >= 0) || !Double.isFinite(lambdaRec))
                throw new IllegalArgumentException("objective.lambdaRec: must be a finite number >= 0, got " + lambdaRec);
            if (!(lambdaKl >= 0) || !Double.isFinite(lambdaKl))
                throw new IllegalArgumentException("objective.lambdaKl: must be a finite number >= 0, got " + lambdaKl);
        }
    }

    /** KL balancing: {@code alpha KL(sg(q) || p) + (1 - alpha) KL(q || sg(p))}. */
    public record KlBalancing(boolean enabled, double alpha) {
        public KlBalancing {
            if (!(alpha >= 0 && alpha <= 1))
                throw new IllegalArgumentException("klBalancing.alpha: must lie in [0, 1], got " + alpha);
        }
    }

    /** Categorical latent groups by Gumbel-softmax; see {@link IvaeDdpmLosses#temperature}. */
    public record Gumbel(int groups, int categories, boolean hard, Temperature temperature) {
        public Gumbel {
            if (groups < 0) throw new IllegalArgumentException("gumbel.groups: must be >= 0, got " + groups);
            if (categories < 2) throw new IllegalArgumentException("gumbel.categories: must be >= 2, got " + categories);
            if (temperature == null) throw new IllegalArgumentException("gumbel.temperature: required");
        }

        /** Entries of z that are categorical. */
        public int width() {
            return groups * categories;
        }
    }

    /** {@code tau(n) = max(min, start exp(-decay n))} (Jang et al.'s annealing). */
    public record Temperature(double start, double min, double decay) {
        public Temperature {
            if (!(start > 0) || !Double.isFinite(start))
                throw new IllegalArgumentException("gumbel.temperature.start: must be > 0, got " + start);
            if (!(min > 0 && min <= start))
                throw new IllegalArgumentException("gumbel.temperature.min: must lie in (0, start = " + start + "], got " + min);
            if (!(decay >= 0) || !Double.isFinite(decay))
                throw new IllegalArgumentException("gumbel.temperature.decay: must be >= 0, got " + decay);
        }
    }

    /** Entries of z that are Gaussian (the first ones). */
    public int continuous() {
        return model.latents() - gumbel.width();
    }

    public static IvaeDdpmConfig parse(String yamlText, String source) {
        IvaeDdpmConfig c;
        try {
            c = ConfigTree.bind(ConfigTree.merge(defaultsText(), yamlText, List.of(), source), IvaeDdpmConfig.class, source);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(source)) throw e;
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
        c.validate(source);
        return c;
    }

    public static String defaultsText() {
        return ConfigTree.resource(IvaeDdpmConfig.class, DEFAULTS);
    }

    private void validate(String source) {
        try {
            VaeNetworks.stages(model.imageSize());
            model.unetConfig();
            if (model.conditioning() == Conditioning.CROSS_ATTENTION) model.tokenConfig();
        } catch (IllegalArgumentException e) {
            String m = e.getMessage();
            throw new IllegalArgumentException(source + " [" + (m.startsWith("unet.") ? "model." : m.startsWith("tokens.") ? "model." : "") + m + "]", e);
        }
        if (gumbel.width() > model.latents())
            throw new IllegalArgumentException(source + " [gumbel.groups: " + gumbel.groups() + " groups of gumbel.categories "
                    + gumbel.categories() + " need " + gumbel.width() + " entries of z, but model.latents is " + model.latents() + "]");
        if (diffusion.parameterization() != Parameterization.EPS || diffusion.loss() != LossType.MSE)
            throw new IllegalArgumentException(source + " [diffusion.parameterization/diffusion.loss: L_DDPM is the sigma^2(t)-weighted "
                    + "score-matching loss, which is the eps-prediction MSE: eps and l2 only, got "
                    + diffusion.parameterization().name().toLowerCase() + " and " + diffusion.loss().id() + "]");
        if (pretrained.frozen()) {
            if (model.encoderInput() != EncoderInput.X)
                throw new IllegalArgumentException(source + " [model.encoderInput: a frozen ivae parent (" + PRETRAINED_KEY
                        + ") has the encoder q(z|x); x_u needs the iVAE to train here]");
            if (gumbel.groups() > 0)
                throw new IllegalArgumentException(source + " [gumbel.groups: a frozen ivae parent (" + PRETRAINED_KEY
                        + ") has Gaussian latents only; set 0]");
        }
    }
}
