package org.factorlab.metrics;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Objects;

/**
 * Settings of every metric. Defaults are disentanglement_lib's and live in {@code conf/metrics.yaml}
 * (on the classpath as {@code /metrics.yaml}); {@link #text()} is the exact YAML, kept for provenance.
 */
public record MetricsConfig(long seed, RowSampling sampling, FactorVae factorVae, Dci dci, Mig mig, Sap sap, Modularity modularity,
                            Explicitness explicitness, Mcc mcc) implements java.io.Serializable {
    public static final String RESOURCE = "/metrics.yaml";

    /** The protocol without {@code sampling} (rows drawn without replacement). */
    public MetricsConfig(long seed, FactorVae factorVae, Dci dci, Mig mig, Sap sap, Modularity modularity, Explicitness explicitness, Mcc mcc) {
        this(seed, RowSampling.WITHOUT_REPLACEMENT, factorVae, dci, mig, sap, modularity, explicitness, mcc);
    }

    /**
     * How metrics draw their rows from the table of codes. {@code without-replacement} (the default): distinct rows,
     * so train and test rows never coincide. {@code iid}: disentanglement_lib's protocol, i.i.d. uniform draws with
     * replacement (train and test drawn independently; the requested counts are drawn whatever the number of rows).
     */
    public enum RowSampling {
        WITHOUT_REPLACEMENT("without-replacement"), IID("iid");

        private final String text;

        RowSampling(String text) {
            this.text = text;
        }

        @com.fasterxml.jackson.annotation.JsonValue
        public String text() {
            return text;
        }

        @com.fasterxml.jackson.annotation.JsonCreator
        public static RowSampling of(String s) {
            for (RowSampling r : values()) if (r.text.equals(s)) return r;
            throw new IllegalArgumentException("sampling: unknown value '" + s + "' (known: without-replacement, iid)");
        }
    }

    public MetricsConfig {
        Objects.requireNonNull(sampling, "sampling");
        Objects.requireNonNull(factorVae, "factorVae");
        Objects.requireNonNull(dci, "dci");
        Objects.requireNonNull(mig, "mig");
        Objects.requireNonNull(sap, "sap");
        Objects.requireNonNull(modularity, "modularity");
        Objects.requireNonNull(explicitness, "explicitness");
        Objects.requireNonNull(mcc, "mcc");
    }

    public record FactorVae(int batchSize, int numTrain, int numEval, int numVarianceEstimate, double pruneStd) implements java.io.Serializable {
        public FactorVae {
            positive("factorVae.batchSize", batchSize, 2);
            positive("factorVae.numTrain", numTrain, 1);
            positive("factorVae.numEval", numEval, 1);
            positive("factorVae.numVarianceEstimate", numVarianceEstimate, 2);
            if (!(pruneStd >= 0)) throw new IllegalArgumentException("factorVae.pruneStd must be >= 0, got " + pruneStd);
        }
    }

    public record Dci(int numTrain, int numTest, int trees, int maxDepth, double learningRate, double lambda,
                      double minChildWeight, int maxBin, int threads) implements java.io.Serializable {
        public Dci {
            positive("dci.numTrain", numTrain, 1);
            positive("dci.numTest", numTest, 1);
            positive("dci.trees", trees, 1);
            positive("dci.maxDepth", maxDepth, 1);
            positive("dci.maxBin", maxBin, 2);
            positive("dci.threads", threads, 1);
            if (!(learningRate > 0)) throw new IllegalArgumentException("dci.learningRate must be > 0, got " + learningRate);
            if (!(lambda >= 0)) throw new IllegalArgumentException("dci.lambda must be >= 0, got " + lambda);
            if (!(minChildWeight >= 0)) throw new IllegalArgumentException("dci.minChildWeight must be >= 0, got " + minChildWeight);
        }
    }

    public record Mig(int numPoints, int bins) implements java.io.Serializable {
        public Mig {
            positive("mig.numPoints", numPoints, 2);
            positive("mig.bins", bins, 1);
        }
    }

    public record Sap(int numTrain, int numTest, double c, boolean balancedClassWeights) implements java.io.Serializable {
        public Sap {
            positive("sap.numTrain", numTrain, 1);
            positive("sap.numTest", numTest, 1);
            if (!(c > 0)) throw new IllegalArgumentException("sap.c must be > 0, got " + c);
        }
    }

    public record Modularity(int numPoints, int bins) implements java.io.Serializable {
        public Modularity {
            positive("modularity.numPoints", numPoints, 2);
            positive("modularity.bins", bins, 1);
        }
    }

    public record Explicitness(int numTrain, int numTest, double c) implements java.io.Serializable {
        public Explicitness {
            positive("explicitness.numTrain", numTrain, 1);
            positive("explicitness.numTest", numTest, 1);
            if (!(c > 0)) throw new IllegalArgumentException("explicitness.c must be > 0, got " + c);
        }
    }

    public record Mcc(int numPoints) implements java.io.Serializable {
        public Mcc {
            positive("mcc.numPoints", numPoints, 3);
        }
    }

    private static void positive(String name, int v, int min) {
        if (v < min) throw new IllegalArgumentException(name + " must be >= " + min + ", got " + v);
    }

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(DeserializationFeature.FAIL_ON_MISSING_CREATOR_PROPERTIES);

    /** The defaults shipped with the library ({@code conf/metrics.yaml}). */
    public static MetricsConfig defaults() {
        return parse(defaultText(), "classpath:" + RESOURCE);
    }

    /** The exact text of the default config file. */
    public static String defaultText() {
        try (InputStream in = MetricsConfig.class.getResourceAsStream(RESOURCE)) {
            if (in == null) throw new IllegalStateException("metric defaults " + RESOURCE + " missing from the classpath");
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read " + RESOURCE, e);
        }
    }

    public static MetricsConfig load(Path file) {
        try {
            return parse(Files.readString(file, StandardCharsets.UTF_8), file.toString());
        } catch (IOException e) {
            throw new UncheckedIOException("cannot read metric config " + file, e);
        }
    }

    /** Parses YAML; every field must be present (a partial file would silently mix two configs). */
    public static MetricsConfig parse(String yaml, String source) {
        try {
            MetricsConfig c = YAML.readValue(yaml, MetricsConfig.class);
            if (c == null) throw new IllegalArgumentException("metric config " + source + " is empty");
            return c;
        } catch (com.fasterxml.jackson.core.JsonProcessingException e) {
            Throwable cause = e.getCause() != null ? e.getCause() : e;
            throw new IllegalArgumentException("metric config " + source + ": " + (cause == e ? e.getOriginalMessage() : cause.getMessage()), e);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("metric config " + source + ": " + e.getMessage(), e);
        }
    }

    /**
     * A config's text with {@code key.path=value} overrides applied ({@code sampling=iid}, {@code mig.numPoints=2000}):
     * the text itself when there are none (so provenance keeps the file verbatim); unknown keys are errors naming them.
     */
    public static String withOverrides(String yaml, java.util.List<String> overrides, String source) {
        if (overrides.isEmpty()) return yaml;
        return org.factorlab.config.ConfigTree.toYaml(org.factorlab.config.ConfigTree.merge(yaml, "", overrides, source));
    }

    /** YAML text of this config (for provenance when the config was built in code). */
    public String toYaml() {
        try {
            return YAML.writeValueAsString(this);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public MetricsConfig withSeed(long newSeed) {
        return new MetricsConfig(newSeed, sampling, factorVae, dci, mig, sap, modularity, explicitness, mcc);
    }
}
