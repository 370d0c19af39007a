package org.factorlab.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every model config shipped in conf/ (and conf/smoke/) is valid for its family: the family is the longest registered
 * family name the file's name starts with, and its effective config must bind and validate. A key a family does not
 * know, a value out of range or a renamed section in a shipped file fails here rather than in a user's run.
 */
class ConfigFilesTest {
    private static final Path CONF = Path.of("..", "conf");
    /** conf/ files that are not model configs. */
    private static final List<String> NOT_MODEL_CONFIGS = List.of("metrics.yaml");

    @Test
    void everyShippedModelConfigParsesWithItsFamily() throws Exception {
        List<String> families = Families.names().stream().sorted(Comparator.comparingInt(String::length).reversed()).toList();
        List<Path> files;
        try (Stream<Path> s = Stream.concat(Files.list(CONF), Files.list(CONF.resolve("smoke")))) {
            files = s.filter(p -> p.toString().endsWith(".yaml") && !NOT_MODEL_CONFIGS.contains(p.getFileName().toString())).sorted().toList();
        }
        assertTrue(files.size() > 30, "found " + files.size() + " configs under " + CONF.toAbsolutePath());
        List<String> failures = new ArrayList<>();
        for (Path f : files) {
            String name = f.getFileName().toString();
            String family = families.stream().filter(name::startsWith).findFirst().orElse(null);
            if (family == null) {
                failures.add(f + ": no family name starts it");
                continue;
            }
            try {
                Families.get(family).effectiveConfig(Files.readString(f), List.of(), f.toString());
            } catch (RuntimeException e) {
                failures.add(f + " (" + family + "): " + e.getMessage());
            }
        }
        assertEquals(List.of(), failures);
    }
}
