package org.factorlab.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class MetricsConfigTest {
    @Test
    void defaultsAreDisentanglementLibs() {
        MetricsConfig c = MetricsConfig.defaults();
        assertEquals(0, c.seed());
        assertEquals(new MetricsConfig.FactorVae(64, 10000, 5000, 10000, 0.05), c.factorVae());
        assertEquals(10000, c.dci().numTrain());
        assertEquals(5000, c.dci().numTest());
        assertEquals(100, c.dci().trees());
        assertEquals(3, c.dci().maxDepth());
        assertEquals(0.1, c.dci().learningRate());
        assertEquals(new MetricsConfig.Mig(10000, 20), c.mig());
        assertEquals(new MetricsConfig.Sap(10000, 5000, 0.01, true), c.sap());
        assertEquals(new MetricsConfig.Modularity(10000, 20), c.modularity());
        assertEquals(1.0, c.explicitness().c());
        assertTrue(MetricsConfig.defaultText().contains("factorVae:"));
    }

    @Test
    void roundTripsThroughYaml() {
        MetricsConfig c = MetricsConfig.defaults().withSeed(7);
        assertEquals(c, MetricsConfig.parse(c.toYaml(), "test"));
    }

    @Test
    void rejectsMissingUnknownAndInvalidFields() {
        String text = MetricsConfig.defaultText();
        var e = assertThrows(IllegalArgumentException.class, () -> MetricsConfig.parse(text.replace("  bins: 20                    # equal-width", "  # bins removed"), "f.yaml"));
        assertTrue(e.getMessage().contains("f.yaml"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> MetricsConfig.parse(text + "\nextra: 1\n", "f.yaml"));
        var bad = assertThrows(IllegalArgumentException.class, () -> MetricsConfig.parse(text.replace("c: 0.01", "c: -1"), "f.yaml"));
        assertTrue(bad.getMessage().contains("sap.c"), bad.getMessage());
    }
}
