package org.factorlab.encdiff;

import java.util.List;
import org.factorlab.config.ConfigTree;
import org.factorlab.diffusion.DiffusionConfig;
import org.factorlab.latent.FirstStageConfig;
import org.factorlab.nn.Conditioning;
import org.factorlab.nn.EncoderConfig;
import org.factorlab.nn.EncoderNorm;
import org.factorlab.nn.TokenConfig;
import org.factorlab.nn.UNetConfig;
import org.factorlab.train.TrainSettings;
import org.factorlab.train.optim.OptimizerConfig;

/**
 * An EncDiff run's configuration, read from YAML. Every field has a default (the resource
 * {@code encdiff-defaults.yaml}: the paper's model at 64x64 with the paper's training settings); a config file
 * overrides any subset. Unknown keys are errors that name the key.
 */
public record EncDiffConfig(Model model, FirstStageConfig firstStage, DiffusionConfig diffusion, OptimizerConfig optimizer,
                            TrainSettings train) {
    private static final String DEFAULTS = "encdiff-defaults.yaml";

    public EncDiffConfig {
        if (model == null || diffusion == null || optimizer == null || train == null)
            throw new IllegalArgumentException("config needs model, diffusion, optimizer and train sections");
        if (firstStage == null) firstStage = FirstStageConfig.pixels();
    }

    /** The U-Net over the space the diffusion runs in: pixels, or the first stage's latent. */
    public UNetConfig unetConfig() {
        return model.unetConfig(firstStage.diffusionChannels(model.imageChannels()), firstStage.diffusionSize(model.imageSize()));
    }

    /** Network sizes. The image geometry sets the encoder's input and the U-Net's input/output. */
    public record Model(int imageSize, int imageChannels, Encoder encoder, TokenConfig tokens, Conditioning conditioning,
                        Unet unet) {
        public EncoderConfig encoderConfig() {
            return new EncoderConfig(imageChannels, imageSize, encoder.channels(), encoder.downsamples(), encoder.resBlocks(),
                    tokens.codeDim(), encoder.norm(), encoder.bnMomentum());
        }

        /** The U-Net over pixels. */
        public UNetConfig unetConfig() {
            return unetConfig(imageChannels, imageSize);
        }

        /** The U-Net over inputs of {@code channels x size x size}. */
        public UNetConfig unetConfig(int channels, int size) {
            return new UNetConfig(channels, channels, size, unet.modelChannels(), unet.channelMult(),
                    unet.numResBlocks(), unet.attentionResolutions(), unet.crossAttentionOnlyResolutions(), unet.numHeads(), unet.dimHead(), unet.groups(),
                    unet.resblockUpdown(), unet.transformerDepth());
        }
    }

    public record Encoder(int channels, int downsamples, int resBlocks, EncoderNorm norm, double bnMomentum) {
    }

    public record Unet(int modelChannels, List<Integer> channelMult, int numResBlocks, List<Integer> attentionResolutions,
                       List<Integer> crossAttentionOnlyResolutions, int numHeads, int dimHead, int groups, boolean resblockUpdown, int transformerDepth) {
    }

    /** Parses YAML text over the defaults; {@code source} names the file in error messages. */
    public static EncDiffConfig parse(String yamlText, String source) {
        EncDiffConfig c = ConfigTree.bind(ConfigTree.merge(defaultsText(), yamlText, java.util.List.of(), source), EncDiffConfig.class, source);
        c.validate(source);
        return c;
    }

    /** The defaults as YAML text (the paper's settings). */
    public static String defaultsText() {
        return ConfigTree.resource(EncDiffConfig.class, DEFAULTS);
    }

    private void validate(String source) {
        try {
            firstStage.diffusionSize(model.imageSize());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " [" + e.getMessage(), e);
        }
        try {
            model.encoderConfig();
            UNetConfig u = unetConfig();
            if (model.conditioning() != Conditioning.CROSS_ATTENTION && !u.crossAttentionOnlyResolutions().isEmpty())
                throw new IllegalArgumentException("unet.crossAttentionOnlyResolutions: " + u.crossAttentionOnlyResolutions()
                        + " needs conditioning: cross_attention, got " + model.conditioning().name().toLowerCase());
            if (model.conditioning() == Conditioning.CROSS_ATTENTION && u.attentionResolutions().isEmpty())
                System.err.println(source + ": note: attention only in the middle block (attentionResolutions is empty)");
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " [model." + e.getMessage().replaceFirst("^unet\\.", "unet.")
                    .replaceFirst("^encoder\\.", "encoder."), e);
        }
    }
}
