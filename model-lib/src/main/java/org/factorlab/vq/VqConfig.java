package org.factorlab.vq;

import java.util.List;
import org.factorlab.config.ConfigTree;
import org.factorlab.train.TrainSettings;
import org.factorlab.train.optim.OptimizerConfig;

/**
 * A vqae run's configuration, read from YAML over the resource {@code vqae-defaults.yaml} (LDM's Shapes3D first
 * stage: f = 4, 2048 codes of dimension 3, Adam 1.152e-3 with betas 0.5/0.9 at batch 128). Unknown keys are errors
 * naming the key; sizes the networks cannot take are errors naming the key.
 */
public record VqConfig(Model model, Loss loss, OptimizerConfig optimizer, TrainSettings train) {
    private static final String DEFAULTS = "vqae-defaults.yaml";
    /** Config keys named in errors. */
    public static final String IMAGE_SIZE_KEY = "model.imageSize";
    public static final String DISC_LAYERS_KEY = "loss.discriminator.layers";

    public VqConfig {
        if (model == null || loss == null || optimizer == null || train == null)
            throw new IllegalArgumentException("config needs model, loss, optimizer and train sections");
    }

    /** LDM's Encoder/Decoder ({@code ddconfig}) plus the codebook. */
    public record Model(int imageSize, int imageChannels, int ch, List<Integer> chMult, int numResBlocks,
                        List<Integer> attnResolutions, int zChannels, int embedDim, int nEmbed, int groups) {
        public Model {
            chMult = List.copyOf(chMult);
            attnResolutions = List.copyOf(attnResolutions);
        }

        /** Number of resolution levels. */
        public int levels() {
            return chMult.size();
        }

        /** The down-sampling factor f = 2^(levels - 1). */
        public int factor() {
            return 1 << (levels() - 1);
        }

        /** Side of the latent. */
        public int latentSize() {
            return imageSize / factor();
        }
    }

    public record Loss(double codebookWeight, double beta, Discriminator discriminator) {
    }

    /** taming's NLayerDiscriminator (hinge loss) and its schedule. */
    public record Discriminator(boolean enabled, long start, double weight, double factor, int layers, int filters) {
    }

    /** Parses YAML text over the defaults; {@code source} names the file in error messages. */
    public static VqConfig parse(String yamlText, String source) {
        VqConfig c = ConfigTree.bind(ConfigTree.merge(defaultsText(), yamlText, List.of(), source), VqConfig.class, source);
        c.validate(source);
        return c;
    }

    public static String defaultsText() {
        return ConfigTree.resource(VqConfig.class, DEFAULTS);
    }

    private void validate(String source) {
        Model m = model;
        require(source, "model.imageChannels", m.imageChannels() >= 1, "must be >= 1, got " + m.imageChannels());
        require(source, "model.ch", m.ch() >= 1, "must be >= 1, got " + m.ch());
        require(source, "model.chMult", !m.chMult().isEmpty() && m.chMult().stream().allMatch(x -> x != null && x >= 1),
                "needs at least one level, each multiplier >= 1, got " + m.chMult());
        require(source, "model.numResBlocks", m.numResBlocks() >= 1, "must be >= 1, got " + m.numResBlocks());
        require(source, "model.zChannels", m.zChannels() >= 1, "must be >= 1, got " + m.zChannels());
        require(source, "model.embedDim", m.embedDim() >= 1, "must be >= 1, got " + m.embedDim());
        require(source, "model.nEmbed", m.nEmbed() >= 2, "must be >= 2, got " + m.nEmbed());
        require(source, "model.groups", m.groups() >= 1, "must be >= 1, got " + m.groups());
        require(source, IMAGE_SIZE_KEY, m.imageSize() >= m.factor() && m.imageSize() % m.factor() == 0,
                m.imageSize() + " is not divisible by " + m.factor() + " = 2^(levels - 1) for model.chMult " + m.chMult()
                        + " (the first stage halves the image " + (m.levels() - 1) + " times)");
        require(source, "loss.codebookWeight", loss.codebookWeight() >= 0, "must be >= 0, got " + loss.codebookWeight());
        require(source, "loss.beta", loss.beta() >= 0, "must be >= 0, got " + loss.beta());
        Discriminator d = loss.discriminator();
        if (d.enabled()) {
            require(source, DISC_LAYERS_KEY, d.layers() >= 1, "must be >= 1, got " + d.layers());
            require(source, "loss.discriminator.filters", d.filters() >= 1, "must be >= 1, got " + d.filters());
            require(source, "loss.discriminator.start", d.start() >= 0, "must be >= 0, got " + d.start());
            require(source, "loss.discriminator.weight", d.weight() >= 0, "must be >= 0, got " + d.weight());
            require(source, DISC_LAYERS_KEY, VqNetworks.PatchDiscriminator.outputSide(m.imageSize(), d.layers()) >= 1,
                    d.layers() + " layers leave no patch of a " + m.imageSize() + "x" + m.imageSize() + " image (the side is halved "
                            + d.layers() + " times, then shrinks by 2); use fewer layers or a larger " + IMAGE_SIZE_KEY);
        }
    }

    private static void require(String source, String key, boolean ok, String message) {
        if (!ok) throw new IllegalArgumentException(source + " [" + key + "]: " + message);
    }
}
