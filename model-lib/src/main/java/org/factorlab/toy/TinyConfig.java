package org.factorlab.toy;

import org.factorlab.config.ConfigTree;
import org.factorlab.train.TrainSettings;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.util.Locale;

/**
 * Config of the {@code tiny} toy model: a one-hidden-layer autoencoder over flattened images. Example
 * ({@code conf/tiny.yaml}):
 * <pre>
 * image: {height: 8, width: 8, channels: 3}
 * hidden: 16
 * optimizer: adam          # adam | sgd
 * learningRate: 0.01
 * </pre>
 */
@JsonIgnoreProperties(ignoreUnknown = false)
public record TinyConfig(@JsonProperty("image") Image image, @JsonProperty("hidden") int hidden,
                         @JsonProperty("optimizer") Optimizer optimizer, @JsonProperty("learningRate") double learningRate,
                         @JsonProperty("beta1") Double beta1, @JsonProperty("beta2") Double beta2,
                         @JsonProperty("epsilon") Double epsilon, @JsonProperty("train") TrainSettings train,
                         @JsonProperty("pretrained") Pretrained pretrained) {

    public enum Optimizer {
        SGD, ADAM;

        @com.fasterxml.jackson.annotation.JsonCreator
        public static Optimizer of(String s) {
            try {
                return valueOf(s.trim().toUpperCase(Locale.ROOT));
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("optimizer: '" + s + "' is not one of sgd, adam");
            }
        }
    }

    /** An optional parent tiny checkpoint whose encoder layer is frozen in this model (empty: none). */
    public record Pretrained(@JsonProperty("checkpoint") String checkpoint) {
        public Pretrained {
            if (checkpoint == null) checkpoint = "";
        }
    }

    public record Image(@JsonProperty("height") int height, @JsonProperty("width") int width,
                       @JsonProperty("channels") int channels) {
        int pixels() {
            return height * width * channels;
        }
    }

    public TinyConfig {
        if (image == null) throw new IllegalArgumentException("image: required ({height, width, channels})");
        if (image.height < 1 || image.width < 1 || image.channels < 1)
            throw new IllegalArgumentException("image: height, width and channels must be >= 1");
        if (hidden < 1) throw new IllegalArgumentException("hidden: must be >= 1, got " + hidden);
        if (optimizer == null) optimizer = Optimizer.ADAM;
        if (!(learningRate > 0) || !Double.isFinite(learningRate))
            throw new IllegalArgumentException("learningRate: must be > 0, got " + learningRate);
        if (beta1 == null) beta1 = 0.9;
        if (beta2 == null) beta2 = 0.999;
        if (epsilon == null) epsilon = 1e-8;
        if (beta1 < 0 || beta1 >= 1) throw new IllegalArgumentException("beta1: must be in [0, 1), got " + beta1);
        if (beta2 < 0 || beta2 >= 1) throw new IllegalArgumentException("beta2: must be in [0, 1), got " + beta2);
        if (!(epsilon > 0)) throw new IllegalArgumentException("epsilon: must be > 0, got " + epsilon);
        if (train == null) train = new TrainSettings(16, 0.999, false, 0);
        if (pretrained == null) pretrained = new Pretrained("");
    }

    /** The defaults every config is merged over ({@code tiny-defaults.yaml}). */
    public static String defaultsText() {
        return ConfigTree.resource(TinyConfig.class, "tiny-defaults.yaml");
    }

    public static TinyConfig parse(String yamlText) {
        return parse(yamlText, "tiny model config");
    }

    public static TinyConfig parse(String yamlText, String source) {
        return ConfigTree.bind(ConfigTree.merge(defaultsText(), yamlText, java.util.List.of(), source), TinyConfig.class, source);
    }
}
