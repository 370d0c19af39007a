package org.factorlab.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TwinEnvironmentTest {
    private static Map<String, String> launcherEnvironment() {
        Map<String, String> env = new HashMap<>(Map.of("PATH", "/usr/bin", "OMP_NUM_THREADS", "2"));
        for (String v : TwinEnvironment.LAUNCHER_VARIABLES) env.put(v, "1");
        return env;
    }

    @Test
    void defaultEnvironmentDropsWhatTheLauncherSetsAndKeepsTheRest() {
        Map<String, String> env = launcherEnvironment();
        TwinEnvironment.DEFAULT.adjust(env);
        assertEquals(Map.of("PATH", "/usr/bin", "OMP_NUM_THREADS", "2"), env);
        Map<String, String> same = launcherEnvironment();
        TwinEnvironment.FACTORLAB.adjust(same);
        assertEquals(launcherEnvironment(), same);
    }

    /** The variables are the ones bin/factorlab exports: a setting added there must be listed here too. */
    @Test
    void launcherVariablesAreTheOnesTheLauncherExports() throws Exception {
        String launcher = Files.readString(Path.of(System.getProperty("user.dir")).getParent().resolve("bin/factorlab"));
        java.util.Set<String> exported = new java.util.TreeSet<>();
        var m = java.util.regex.Pattern.compile("(?m)^\\s*export ([A-Z_]+)=").matcher(launcher);
        while (m.find()) exported.add(m.group(1));
        assertEquals(exported, new java.util.TreeSet<>(TwinEnvironment.LAUNCHER_VARIABLES));
    }
}
