package org.factorlab.ddpm;

import java.util.List;
import org.factorlab.config.ConfigTree;
import org.factorlab.diffusion.DiffusionConfig;
import org.factorlab.latent.FirstStageConfig;
import org.factorlab.nn.UNetConfig;
import org.factorlab.train.TrainSettings;
import org.factorlab.train.optim.OptimizerConfig;

/**
 * A {@code ddpm} run's configuration: an unconditional U-Net over images of {@code model.imageSize}, the diffusion
 * it is trained with, the optimizer and the shared {@code train} section. Defaults: {@code ddpm-defaults.yaml}.
 */
public record DdpmConfig(Model model, FirstStageConfig firstStage, DiffusionConfig diffusion, OptimizerConfig optimizer,
                         TrainSettings train) {
    private static final String DEFAULTS = "ddpm-defaults.yaml";

    public DdpmConfig {
        if (model == null || diffusion == null || optimizer == null || train == null)
            throw new IllegalArgumentException("config needs model, diffusion, optimizer and train sections");
        if (firstStage == null) firstStage = FirstStageConfig.pixels();
    }

    /** The U-Net over the space the diffusion runs in: pixels, or the first stage's latent. */
    public UNetConfig unetConfig() {
        return model.unetConfig(firstStage.diffusionChannels(model.imageChannels()), firstStage.diffusionSize(model.imageSize()));
    }

    /** Image geometry and U-Net sizes. DisDiff's config repeats this section, and it must equal its parent's. */
    public record Model(int imageSize, int imageChannels, Unet unet) {
        /** The U-Net over pixels. */
        public UNetConfig unetConfig() {
            return unetConfig(imageChannels, imageSize);
        }

        /** The U-Net over inputs of {@code channels x size x size}. */
        public UNetConfig unetConfig(int channels, int size) {
            return new UNetConfig(channels, channels, size, unet.modelChannels(), unet.channelMult(),
                    unet.numResBlocks(), unet.attentionResolutions(), List.of(), unet.numHeads(), unet.dimHead(), unet.groups(),
                    unet.resblockUpdown(), unet.transformerDepth());
        }
    }

    /** LDM UNetModel sizes (see {@link UNetConfig}); no cross-attention: the U-Net is unconditional. */
    public record Unet(int modelChannels, List<Integer> channelMult, int numResBlocks, List<Integer> attentionResolutions,
                       int numHeads, int dimHead, int groups, boolean resblockUpdown, int transformerDepth) {
    }

    public static DdpmConfig parse(String yamlText, String source) {
        DdpmConfig c = ConfigTree.bind(ConfigTree.merge(defaultsText(), yamlText, List.of(), source), DdpmConfig.class, source);
        validateModel(c.model(), source);
        try {
            c.unetConfig();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " [" + e.getMessage(), e);
        }
        return c;
    }

    public static String defaultsText() {
        return ConfigTree.resource(DdpmConfig.class, DEFAULTS);
    }

    /** Builds the U-Net config once, so that a bad size is an error naming {@code model.unet.<key>} and the file. */
    public static void validateModel(Model m, String source) {
        try {
            if (m.unet() == null) throw new IllegalArgumentException("unet: required");
            m.unetConfig();
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(source + " [model." + e.getMessage(), e);
        }
    }
}
