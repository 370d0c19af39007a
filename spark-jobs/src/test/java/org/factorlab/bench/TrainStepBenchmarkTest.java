package org.factorlab.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

class TrainStepBenchmarkTest {
    @Test
    void familyComesFromTheConfigFileName() {
        assertEquals("encdiff", TrainStepBenchmark.familyOf(Path.of("conf/encdiff-pixel32-cpu-vpred-t10.yaml")));
        assertEquals("encdiff", TrainStepBenchmark.familyOf(Path.of("conf/encdiff-quickstart.yaml")));
        // the longest family name wins: ivae-ddpm, not ivae
        assertEquals("ivae-ddpm", TrainStepBenchmark.familyOf(Path.of("conf/ivae-ddpm-pixel32.yaml")));
        assertEquals("ivae", TrainStepBenchmark.familyOf(Path.of("conf/ivae-pixel32.yaml")));
        assertEquals("factorvae", TrainStepBenchmark.familyOf(Path.of("conf/smoke/factorvae.yaml")));
        var e = assertThrows(IllegalArgumentException.class, () -> TrainStepBenchmark.familyOf(Path.of("conf/metrics.yaml")));
        assertTrue(e.getMessage().contains("conf/metrics.yaml") && e.getMessage().contains("--model"), e.getMessage());
    }

    @Test
    void everyConfigTheIssueNamesHasAFamily() {
        for (String c : new String[] {"encdiff-pixel32-cpu-vpred-t10", "encdiff-pixel32-cpu", "encdiff-quickstart"}) {
            Path p = Path.of("..", "conf", c + ".yaml");
            assertTrue(Files.exists(p), p + " exists");
            assertEquals("encdiff", TrainStepBenchmark.familyOf(p));
        }
    }
}
