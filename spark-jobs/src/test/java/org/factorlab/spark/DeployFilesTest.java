package org.factorlab.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/** deploy/ is consistent: scripts parse, YAML parses, and every deploy/ or conf/ file anything names exists. */
class DeployFilesTest {
    private static final Path ROOT = Path.of("").toAbsolutePath().getParent();
    /** A repository path, bare or under the image's /opt/factorlab (not inside hdfs://.../factorlab/conf/...). */
    private static final Pattern REPO_PATH =
            Pattern.compile("(?<![\\w./:-])(?:/opt/factorlab/)?((?:deploy|conf)/[A-Za-z0-9_./*-]*[A-Za-z0-9_*])");
    /** A path relative to the script's own directory. */
    private static final Pattern HERE_PATH = Pattern.compile("\\$here/([A-Za-z0-9_./-]+)");

    private static List<Path> deployFiles() throws IOException {
        try (Stream<Path> s = Files.walk(ROOT.resolve("deploy"))) {
            return s.filter(Files::isRegularFile).toList();
        }
    }

    @Test
    void everyReferencedFileExists() throws IOException {
        var files = new ArrayList<>(deployFiles());
        files.add(ROOT.resolve("docs/deploy.md"));
        var missing = new ArrayList<String>();
        int checked = 0;
        for (Path f : files) {
            String text = Files.readString(f);
            for (Matcher m = REPO_PATH.matcher(text); m.find(); checked++) {
                String ref = m.group(1);
                if (!exists(ROOT, ref)) missing.add(ROOT.relativize(f) + " -> " + ref);
            }
            for (Matcher m = HERE_PATH.matcher(text); m.find(); checked++) {
                Path p = f.getParent().resolve(m.group(1)).normalize();
                if (!Files.exists(p)) missing.add(ROOT.relativize(f) + " -> $here/" + m.group(1));
            }
        }
        assertTrue(checked > 20, "references found: " + checked);
        assertEquals(List.of(), missing);
    }

    /** Glob-aware existence ({@code deploy/*.sh} must match at least one file). */
    private static boolean exists(Path root, String ref) throws IOException {
        if (!ref.contains("*")) return Files.exists(root.resolve(ref));
        int slash = ref.lastIndexOf('/');
        var matcher = root.getFileSystem().getPathMatcher("glob:" + ref.substring(slash + 1));
        Path dir = root.resolve(ref.substring(0, slash));
        if (dir.toString().contains("*")) return true; // nested globs (deploy/*/*.sh) are covered by their parts
        try (Stream<Path> s = Files.list(dir)) {
            return s.anyMatch(p -> matcher.matches(p.getFileName()));
        }
    }

    @Test
    void scriptsParseAndAreExecutable() throws Exception {
        for (Path f : deployFiles()) {
            if (!f.toString().endsWith(".sh")) continue;
            Process p = new ProcessBuilder("bash", "-n", f.toString()).redirectErrorStream(true).start();
            String out = new String(p.getInputStream().readAllBytes());
            assertEquals(0, p.waitFor(), f + ": " + out);
            if (!f.getFileName().toString().equals("factorlab-env.sh"))
                assertTrue(Files.isExecutable(f), f + " is not executable");
        }
    }

    @Test
    void yamlParsesAndGpuPodsRequestGpus() throws IOException {
        ObjectMapper yaml = new ObjectMapper(new YAMLFactory());
        int docs = 0;
        for (Path f : deployFiles()) {
            if (!f.toString().endsWith(".yaml")) continue;
            try (var it = yaml.readerFor(JsonNode.class).<JsonNode>readValues(f.toFile())) {
                while (it.hasNext()) {
                    JsonNode n = it.next();
                    assertTrue(n.hasNonNull("kind"), f + ": a document without kind");
                    docs++;
                }
            }
        }
        assertTrue(docs >= 6, "documents: " + docs);
        JsonNode executor = yaml.readTree(ROOT.resolve("deploy/k8s/executor-gpu-pod-template.yaml").toFile());
        assertEquals(1, executor.at("/spec/containers/0/resources/limits/nvidia.com~1gpu").asInt());
    }

    @Test
    void gpuDiscoveryScriptPrintsSparkResourceJson() throws Exception {
        ProcessBuilder pb = new ProcessBuilder(ROOT.resolve("deploy/getGpusResources.sh").toString());
        pb.environment().put("CUDA_VISIBLE_DEVICES", "1,3");
        Process p = pb.start();
        JsonNode json = new ObjectMapper().readTree(p.getInputStream().readAllBytes());
        assertEquals(0, p.waitFor());
        assertEquals("gpu", json.get("name").asText());
        assertEquals("[\"1\",\"3\"]", json.get("addresses").toString());
    }
}
