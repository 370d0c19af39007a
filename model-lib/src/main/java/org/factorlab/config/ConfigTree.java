package org.factorlab.config;

import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MapperFeature;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.MismatchedInputException;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Iterator;
import java.util.List;
import java.util.Map;

/**
 * The one YAML helper: a family's defaults, a user's file over them, then {@code --set key.path=value} overrides,
 * bound to a typed record. Every key a config may set exists in the defaults, so an unknown key (in the file or in
 * an override) is an error naming it; a bad value is an error naming the key and the source.
 *
 * <p>The <em>effective</em> config is the merged tree written back as YAML: it is what provenance stores, what a
 * Spark worker re-opens and what a resumed run is checked against. Parsing an effective config again gives itself.
 */
public final class ConfigTree {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES))
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
            .enable(DeserializationFeature.FAIL_ON_NULL_FOR_PRIMITIVES)
            .enable(MapperFeature.ACCEPT_CASE_INSENSITIVE_ENUMS);

    private ConfigTree() {
    }

    /**
     * The merged tree: {@code defaultsText}, then {@code userText} (may be empty), then each {@code key.path=value}
     * override. Keys absent from the defaults are errors. {@code source} names the user's file in errors.
     */
    public static ObjectNode merge(String defaultsText, String userText, List<String> overrides, String source) {
        ObjectNode merged = readMapping(defaultsText, "defaults");
        ObjectNode user = readMapping(userText, source);
        mergeInto(merged, user, "", source);
        for (String o : overrides) applyOverride(merged, o, source);
        return merged;
    }

    /** Binds a merged tree to {@code type}; errors name the source and the key. */
    public static <T> T bind(JsonNode tree, Class<T> type, String source) {
        try {
            return YAML.treeToValue(tree, type);
        } catch (MismatchedInputException e) {
            throw new IllegalArgumentException(source + " [" + path(e) + "]: " + e.getOriginalMessage(), e);
        } catch (JsonMappingException e) {
            Throwable cause = e.getCause() instanceof IllegalArgumentException ? e.getCause() : e;
            throw new IllegalArgumentException(source + " [" + path(e) + "]: " + cause.getMessage(), e);
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    /** The tree as YAML text (the effective config). */
    public static String toYaml(JsonNode tree) {
        try {
            return YAML.writeValueAsString(tree);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** A YAML mapping read from text; empty text is an empty mapping. */
    public static ObjectNode readMapping(String text, String source) {
        try {
            JsonNode n = text == null || text.isBlank() ? null : YAML.readTree(text);
            if (n == null || n.isNull() || n.isMissingNode()) return YAML.createObjectNode();
            if (!n.isObject()) throw new IllegalArgumentException(source + ": expected a YAML mapping at the top level");
            return (ObjectNode) n;
        } catch (IOException e) {
            throw new IllegalArgumentException(source + ": not valid YAML (" + e.getMessage() + ")", e);
        }
    }

    /** A classpath resource as text (a family's defaults file). */
    public static String resource(Class<?> owner, String name) {
        try (InputStream in = owner.getResourceAsStream(name)) {
            if (in == null) throw new IllegalStateException("missing resource " + name + " beside " + owner.getName());
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The value at a dotted path, or a missing node. */
    public static JsonNode at(JsonNode tree, String dottedPath) {
        JsonNode n = tree;
        for (String part : dottedPath.split("\\.")) n = n.path(part);
        return n;
    }

    private static void applyOverride(ObjectNode tree, String override, String source) {
        int eq = override.indexOf('=');
        if (eq <= 0) throw new IllegalArgumentException("--set " + override + ": expected key.path=value");
        String key = override.substring(0, eq).trim();
        String valueText = override.substring(eq + 1);
        String[] parts = key.split("\\.");
        ObjectNode parent = tree;
        for (int i = 0; i < parts.length - 1; i++) {
            JsonNode child = parent.get(parts[i]);
            if (child == null || !child.isObject())
                throw new IllegalArgumentException("--set " + key + ": unknown key (no section '" + String.join(".", List.of(parts).subList(0, i + 1))
                        + "' in " + source + "'s model)");
            parent = (ObjectNode) child;
        }
        String last = parts[parts.length - 1];
        JsonNode old = parent.get(last);
        if (old == null) throw new IllegalArgumentException("--set " + key + ": unknown key; known here: " + names(parent));
        JsonNode value;
        try {
            value = valueText.isBlank() ? YAML.getNodeFactory().textNode("") : YAML.readTree(valueText);
        } catch (IOException e) {
            throw new IllegalArgumentException("--set " + key + ": value '" + valueText + "' is not valid YAML", e);
        }
        if (value == null || value.isMissingNode()) value = YAML.getNodeFactory().textNode(valueText);
        if (old.isObject() && value.isObject()) mergeInto((ObjectNode) old, (ObjectNode) value, key + ".", "--set " + key);
        else parent.set(last, value);
    }

    private static void mergeInto(ObjectNode base, ObjectNode over, String at, String source) {
        for (Iterator<Map.Entry<String, JsonNode>> it = over.fields(); it.hasNext(); ) {
            var e = it.next();
            JsonNode b = base.get(e.getKey());
            if (b == null)
                throw new IllegalArgumentException(source + " [" + at + e.getKey() + "]: unknown key; known here: " + names(base));
            if (b.isObject() && e.getValue().isObject()) mergeInto((ObjectNode) b, (ObjectNode) e.getValue(), at + e.getKey() + ".", source);
            else base.set(e.getKey(), e.getValue());
        }
    }

    private static String names(ObjectNode n) {
        var sb = new StringBuilder();
        n.fieldNames().forEachRemaining(f -> sb.append(sb.length() == 0 ? "" : ", ").append(f));
        return sb.toString();
    }

    private static String path(JsonMappingException e) {
        StringBuilder sb = new StringBuilder();
        for (var r : e.getPath()) {
            if (r.getFieldName() != null) sb.append(sb.length() == 0 ? "" : ".").append(r.getFieldName());
            else sb.append('[').append(r.getIndex()).append(']');
        }
        return sb.toString();
    }
}
