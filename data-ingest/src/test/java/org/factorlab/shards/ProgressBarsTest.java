package org.factorlab.shards;

import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import org.junit.jupiter.api.Test;

class ProgressBarsTest {
    @Test
    void withoutATerminalProgressIsPlainLines() {
        List<String> lines = new ArrayList<>();
        try (ProgressBar bar = ProgressBars.configure(new ProgressBarBuilder().setTaskName("Reading").setInitialMax(10).showSpeed(),
                false, lines::add).build()) {
            bar.stepBy(10);
        }
        assertFalse(lines.isEmpty());
        for (String l : lines) {
            assertFalse(l.contains("\r") || l.contains("\u001b") || l.contains("\n"), l);
            assertTrue(l.startsWith("Reading"), l);
        }
    }
}
