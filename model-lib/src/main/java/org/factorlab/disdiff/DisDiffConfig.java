package org.factorlab.disdiff;

import java.util.List;
import org.factorlab.config.ConfigTree;
import org.factorlab.ddpm.DdpmConfig;
import org.factorlab.latent.FirstStageConfig;
import org.factorlab.diffusion.DiffusionConfig;
import org.factorlab.diffusion.Parameterization;
import org.factorlab.nn.EncoderConfig;
import org.factorlab.nn.EncoderNorm;
import org.factorlab.nn.UNetConfig;
import org.factorlab.train.TrainSettings;
import org.factorlab.train.optim.OptimizerConfig;

/**
 * A {@code disdiff} run's configuration (defaults: {@code disdiff-defaults.yaml}, the official code's values). Errors
 * name the file and the key.
 */
public record DisDiffConfig(Pretrained pretrained, FirstStageConfig firstStage, Model model, Disentangle disentangle,
                            DiffusionConfig diffusion, OptimizerConfig optimizer, TrainSettings train) {
    /** Config key of the parent checkpoint. */
    public static final String PRETRAINED_KEY = "pretrained.checkpoint";
    private static final String DEFAULTS = "disdiff-defaults.yaml";

    public DisDiffConfig {
        if (pretrained == null || model == null || disentangle == null || diffusion == null || optimizer == null || train == null)
            throw new IllegalArgumentException("config needs pretrained, model, disentangle, diffusion, optimizer and train sections");
        if (firstStage == null) firstStage = FirstStageConfig.pixels();
    }

    /** The parent's U-Net over the space the diffusion runs in: pixels, or the first stage's latent. */
    public UNetConfig unetConfig() {
        return model.parentModel().unetConfig(firstStage.diffusionChannels(model.imageChannels()), firstStage.diffusionSize(model.imageSize()));
    }

    /** Channels and side of what the diffusion runs on. */
    public int diffusionChannels() {
        return firstStage.diffusionChannels(model.imageChannels());
    }

    public int diffusionSize() {
        return firstStage.diffusionSize(model.imageSize());
    }

    /** The parent {@code ddpm} checkpoint (URI or local path); required to train or load, empty in the defaults. */
    public record Pretrained(String checkpoint) {
        public Pretrained {
            if (checkpoint == null) checkpoint = "";
        }
    }

    /** Image geometry, the parent's U-Net sizes, the encoder and the code's units. */
    public record Model(int imageSize, int imageChannels, DdpmConfig.Unet unet, Encoder encoder, int latentUnit, int unitDim) {
        public DdpmConfig.Model parentModel() {
            return new DdpmConfig.Model(imageSize, imageChannels, unet);
        }

        public UNetConfig unetConfig() {
            return parentModel().unetConfig();
        }

        public EncoderConfig encoderConfig() {
            return new EncoderConfig(imageChannels, imageSize, encoder.channels(), encoder.downsamples(), encoder.resBlocks(),
                    encoder.outDim(), encoder.norm(), encoder.bnMomentum());
        }

        /** Entries of a whole code: N units of unitDim. */
        public int codeDim() {
            return latentUnit * unitDim;
        }
    }

    public record Encoder(int channels, int downsamples, int resBlocks, EncoderNorm norm, double bnMomentum, int outDim) {
    }

    /**
     * @param weight          dis_weight: the disentangling loss's weight in the total
     * @param detachCondition false (official code): G_c in the disentangling loss is conditioned on z with its
     *                        gradient, so the encoder also learns from that loss through G_c's condition (never
     *                        through E'); true: a separate G pass on sg(z) for the sampled unit
     */
    public record Disentangle(double weight, boolean detachCondition) {
        public Disentangle {
            if (!(weight >= 0) || !Double.isFinite(weight))
                throw new IllegalArgumentException("disentangle.weight: must be >= 0, got " + weight);
        }
    }

    public static DisDiffConfig parse(String yamlText, String source) {
        DisDiffConfig c = ConfigTree.bind(ConfigTree.merge(defaultsText(), yamlText, List.of(), source), DisDiffConfig.class, source);
        c.validate(source);
        return c;
    }

    public static String defaultsText() {
        return ConfigTree.resource(DisDiffConfig.class, DEFAULTS);
    }

    private void validate(String source) {
        DdpmConfig.validateModel(model.parentModel(), source);
        try {
            unetConfig();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " [" + e.getMessage(), e);
        }
        try {
            model.encoderConfig();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " [model." + e.getMessage(), e);
        }
        if (model.latentUnit() < 1) throw new IllegalArgumentException(source + " [model.latentUnit: must be >= 1, got " + model.latentUnit());
        if (model.unitDim() < 1) throw new IllegalArgumentException(source + " [model.unitDim: must be >= 1, got " + model.unitDim());
        if (model.codeDim() != model.encoder().outDim())
            throw new IllegalArgumentException(source + " [model.encoder.outDim: " + model.encoder().outDim() + " is not model.latentUnit "
                    + model.latentUnit() + " x model.unitDim " + model.unitDim() + " = " + model.codeDim() + "]");
        int half = model.unetConfig().timeEmbedDim() / 2;
        if (model.latentUnit() > half)
            throw new IllegalArgumentException(source + " [model.latentUnit: " + model.latentUnit() + " units need at most time_embed_dim / 2 = "
                    + half + " (4 x model.unet.modelChannels / 2): each unit is a row of a " + half + " x " + half + " orthogonal matrix]");
        if (diffusion.parameterization() != Parameterization.EPS)
            throw new IllegalArgumentException(source + " [diffusion.parameterization: DisDiff shifts eps; got "
                    + diffusion.parameterization().name().toLowerCase() + "]");
    }
}
