package org.factorlab.report;

import static org.junit.jupiter.api.Assertions.*;

import java.util.List;
import org.junit.jupiter.api.Test;

class HtmlReportTest {
    @Test
    void escapesEverythingUserSupplied() {
        String html = new HtmlReport("run <1>")
                .table(List.of("metric", "value"), List.of(List.of("a&b", "\"x\"")))
                .figure("swap.png", "swap <grid>")
                .preformatted("lr: 1e-4 # <b>")
                .render();
        assertTrue(html.contains("<h1>run &lt;1&gt;</h1>"));
        assertTrue(html.contains("<td>a&amp;b</td><td>&quot;x&quot;</td>"));
        assertTrue(html.contains("<img src=\"swap.png\" alt=\"swap &lt;grid&gt;\">"));
        assertTrue(html.contains("lr: 1e-4 # &lt;b&gt;"));
        assertFalse(html.contains("<b>"));
    }

    @Test
    void rejectsRaggedTables() {
        assertThrows(IllegalArgumentException.class,
                () -> new HtmlReport("t").table(List.of("a", "b"), List.of(List.of("1"))));
    }
}
