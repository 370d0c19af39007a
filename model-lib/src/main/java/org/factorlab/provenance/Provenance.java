package org.factorlab.provenance;

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
                         Map<String, String> libraries, String createdAt) {
    public Provenance {
        // sorted by name: Map.copyOf iterates in an order that changes from one JVM to the next, which made two
        // equal checkpoints' checkpoint.json differ in more than createdAt
        libraries = java.util.Collections.unmodifiableSortedMap(new java.util.TreeMap<>(libraries));
    }

    public static Provenance of(String configText, long seed, String dataManifestSha256) {
        return new Provenance(configText, seed, dataManifestSha256, currentCodeVersion(), currentLibraries(), Instant.now().toString());
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
