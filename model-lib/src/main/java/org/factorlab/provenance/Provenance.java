package org.factorlab.provenance;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.io.IOException;
import java.io.InputStream;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Properties;

/**
 * Where a trained model, checkpoint or report came from: the exact config text, the seed, the checksum of the
 * data manifest it was trained or evaluated on, the code version and the library versions.
 */
public record Provenance(String configText, long seed, String dataManifestSha256, String codeVersion,
                         Map<String, String> libraries, String createdAt,
                         @JsonInclude(JsonInclude.Include.NON_NULL) String family,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY) java.util.List<Parent> parents) {
    public Provenance {
        // sorted by name: Map.copyOf iterates in an order that changes from one JVM to the next, which made two
        // equal checkpoints' checkpoint.json differ in more than createdAt
        libraries = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(libraries));
        parents = parents == null ? java.util.List.of() : java.util.List.copyOf(parents);
    }

    /** A parent checkpoint of a trained model: the config key naming it, where it was, its SHA-256 and its own provenance. */
    public record Parent(String key, String uri, String sha256, String family, Provenance provenance) {
    }

    /** This provenance with the parents it descends from. */
    public Provenance withParents(java.util.List<Parent> lineage) {
        return new Provenance(configText, seed, dataManifestSha256, codeVersion, libraries, createdAt, family, lineage);
    }

    public static Provenance of(String configText, long seed, String dataManifestSha256) {
        return of(null, configText, seed, dataManifestSha256);
    }

    /** The provenance of a trained model of {@code family}, whose effective config is {@code configText}. */
    public static Provenance of(String family, String configText, long seed, String dataManifestSha256) {
        return new Provenance(configText, seed, dataManifestSha256, currentCodeVersion(), currentLibraries(), Instant.now().toString(), family, java.util.List.of());
    }

    /** The git commit recorded at build time (see model-lib's build-info resource), or "unknown". */
    public static String currentCodeVersion() {
        Properties p = buildInfo();
        String v = p.getProperty("version", "unknown");
        String commit = p.getProperty("git.commit", "");
        if (commit.isBlank() || commit.startsWith("${")) return v;
        return v + "+" + commit + ("true".equals(p.getProperty("git.dirty")) ? "-dirty" : "");
    }

    public static Map<String, String> currentLibraries() {
        var m = new LinkedHashMap<String, String>();
        m.put("java", System.getProperty("java.version"));
        Properties p = buildInfo();
        for (String k : p.stringPropertyNames()) if (k.startsWith("lib.")) m.put(k.substring(4), p.getProperty(k));
        return m;
    }

    private static Properties buildInfo() {
        Properties p = new Properties();
        try (InputStream in = Provenance.class.getResourceAsStream("/factorlab-build.properties")) {
            if (in != null) p.load(in);
        } catch (IOException e) {
            throw new java.io.UncheckedIOException("cannot read factorlab-build.properties", e);
        }
        return p;
    }
}
