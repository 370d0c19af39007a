package org.factorlab.bench;

import java.io.IOException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The environment the PyTorch twin runs in. {@code bin/factorlab} exports settings for libgomp and glibc's malloc
 * (docs/performance.md, sections 1, 10 and 14) that speed PyTorch up as well; a twin started by hand runs without
 * them.
 */
enum TwinEnvironment {
    /** The benchmark's own environment, {@code bin/factorlab}'s settings included: both sides alike. */
    FACTORLAB,
    /** Without the variables {@code bin/factorlab} sets: the twin as a user runs it from a shell. */
    DEFAULT;

    /** What {@code bin/factorlab} exports for libgomp and malloc. */
    static final List<String> LAUNCHER_VARIABLES = List.of("OMP_WAIT_POLICY", "GOMP_SPINCOUNT", "MALLOC_MMAP_THRESHOLD_",
            "MALLOC_TRIM_THRESHOLD_", "MALLOC_ARENA_MAX");

    /** Starts the twin's command in this environment (its stderr goes to ours), after printing it. */
    Process start(List<String> command) throws IOException {
        System.out.println("PyTorch (" + name().toLowerCase(Locale.ROOT) + " environment): " + String.join(" ", command));
        ProcessBuilder pb = new ProcessBuilder(command).redirectError(ProcessBuilder.Redirect.INHERIT);
        adjust(pb.environment());
        return pb.start();
    }

    /** This process's values of the launcher's variables, {@code NAME=value} ("(unset)" where unset). */
    static String launcherSettings() {
        return LAUNCHER_VARIABLES.stream().map(v -> v + "=" + System.getenv().getOrDefault(v, "(unset)")).collect(Collectors.joining(", "));
    }

    /** Makes a copy of this process's environment (a process builder's) the twin's. */
    void adjust(Map<String, String> env) {
        if (this == DEFAULT) LAUNCHER_VARIABLES.forEach(env::remove);
    }
}
