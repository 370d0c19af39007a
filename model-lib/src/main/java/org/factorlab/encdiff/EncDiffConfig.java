package org.factorlab.encdiff;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.factorlab.diffusion.DiffusionConfig;
import org.factorlab.nn.Conditioning;
import org.factorlab.nn.EncoderConfig;
import org.factorlab.nn.EncoderNorm;
import org.factorlab.nn.TokenConfig;
import org.factorlab.nn.UNetConfig;
import org.factorlab.train.optim.OptimizerConfig;

/**
 * An EncDiff run's configuration, read from YAML. Every field has a default (the resource
 * {@code encdiff-defaults.yaml}: the paper's model at 64x64 with the paper's training settings); a config file
 * overrides any subset. Unknown keys are errors that name the key.
 */
public record EncDiffConfig(Model model, DiffusionConfig diffusion, OptimizerConfig optimizer, Train train) {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(com.fasterxml.jackson.databind.MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS);
    private static final String DEFAULTS = "encdiff-defaults.yaml";

    public EncDiffConfig {
        if (model == null || diffusion == null || optimizer == null || train == null)
            throw new IllegalArgumentException("config needs model, diffusion, optimizer and train sections");
    }

    /** Network sizes. The image geometry sets the encoder's input and the U-Net's input/output. */
    public record Model(int imageSize, int imageChannels, Encoder encoder, TokenConfig tokens, Conditioning conditioning,
                        Unet unet) {
        public EncoderConfig encoderConfig() {
            return new EncoderConfig(imageChannels, imageSize, encoder.channels(), encoder.downsamples(), encoder.resBlocks(),
                    tokens.codeDim(), encoder.norm(), encoder.bnMomentum());
        }

        public UNetConfig unetConfig() {
            return new UNetConfig(imageChannels, imageChannels, imageSize, unet.modelChannels(), unet.channelMult(),
                    unet.numResBlocks(), unet.attentionResolutions(), unet.crossAttentionOnlyResolutions(), unet.numHeads(), unet.dimHead(), unet.groups(),
                    unet.resblockUpdown(), unet.transformerDepth());
        }
    }

    public record Encoder(int channels, int downsamples, int resBlocks, EncoderNorm norm, double bnMomentum) {
    }

    public record Unet(int modelChannels, List<Integer> channelMult, int numResBlocks, List<Integer> attentionResolutions,
                       List<Integer> crossAttentionOnlyResolutions, int numHeads, int dimHead, int groups, boolean resblockUpdown, int transformerDepth) {
    }

    /** Batch size, EMA of the weights (LitEma with warm-up when {@code emaWarmup}), and the seed. */
    public record Train(int batchSize, double emaDecay, boolean emaWarmup, long seed) {
        public Train {
            if (batchSize < 1) throw new IllegalArgumentException("train.batchSize: must be positive, got " + batchSize);
            if (!(emaDecay >= 0 && emaDecay < 1)) throw new IllegalArgumentException("train.emaDecay: must be in [0, 1), got " + emaDecay);
        }
    }

    /** Parses YAML text over the defaults; {@code source} names the file in error messages. */
    public static EncDiffConfig parse(String yamlText, String source) {
        try {
            JsonNode user = YAML.readTree(yamlText);
            ObjectNode merged = (ObjectNode) YAML.readTree(defaultsText());
            if (user != null && !user.isNull() && !user.isMissingNode()) {
                if (!user.isObject()) throw new IllegalArgumentException(source + ": expected a YAML mapping at the top level");
                merge(merged, (ObjectNode) user, "");
            }
            EncDiffConfig c = YAML.treeToValue(merged, EncDiffConfig.class);
            c.validate(source);
            return c;
        } catch (MismatchedInputException e) {
            throw new IllegalArgumentException(source + " [" + path(e) + "]: " + e.getOriginalMessage(), e);
        } catch (com.fasterxml.jackson.databind.JsonMappingException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException ? e.getCause() : e;
            throw new IllegalArgumentException(source + " [" + path(e) + "]: " + cause.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": not valid YAML (" + e.getMessage() + ")", e);
        }
    }

    /** The defaults as YAML text (the paper's settings). */
    public static String defaultsText() {
        try (InputStream in = EncDiffConfig.class.getResourceAsStream(DEFAULTS)) {
            if (in == null) throw new IllegalStateException("missing resource " + DEFAULTS);
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private void validate(String source) {
        try {
            model.encoderConfig();
            UNetConfig u = model.unetConfig();
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

    private static void merge(ObjectNode base, ObjectNode over, String at) {
        over.fields().forEachRemaining(e -> {
            JsonNode b = base.get(e.getKey());
            if (b != null && b.isObject() && e.getValue().isObject()) merge((ObjectNode) b, (ObjectNode) e.getValue(), at + e.getKey() + ".");
            else base.set(e.getKey(), e.getValue());
        });
    }

    private static String path(com.fasterxml.jackson.databind.JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (var r : e.getPath()) {
            if (r.getFieldName() != null) sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
            else sb.append('[').append(r.getIndex()).append(']');
        }
        return sb.toString();
    }
}
