package org.factorlab.viz;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.List;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;

class LossCurvesTest {
    private static final String CSV = """
            step,total,recon,kl,images_per_s
            1,3.0,2.0,1.0,10.5
            2,2.0,1.5,0.5,11.0
            3,1.0,0.75,0.25,10.9
            """;

    @Test
    void everyLossTermButTheThroughputInColumnOrder() {
        var curves = LossCurves.read(CSV, "loss.csv", false);
        assertEquals(List.of("total", "recon", "kl"), List.copyOf(curves.keySet()));
        assertArrayEquals(new double[]{1, 2, 3}, curves.get("recon")[0]);
        assertArrayEquals(new double[]{2.0, 1.5, 0.75}, curves.get("recon")[1]);
    }

    @Test
    void aShortLastRowIsLeftOutAndAnyOtherBadRowNamesItsLine() {
        var curves = LossCurves.read(CSV + "4,0.5,0.", "loss.csv", false);
        assertEquals(3, curves.get("total")[0].length, "the row a stopped run left half-written is not a result");
        var e = assertThrows(IllegalArgumentException.class,
                () -> LossCurves.read(CSV.replace("2,2.0,1.5", "2,two,1.5"), "run/loss.csv", false));
        assertTrue(e.getMessage().contains("run/loss.csv line 3"), e.getMessage());
        var h = assertThrows(IllegalArgumentException.class, () -> LossCurves.read("epoch,total\n1,2\n", "x.csv", false));
        assertTrue(h.getMessage().contains("x.csv") && h.getMessage().contains("'epoch'"), h.getMessage());
    }

    @Test
    void smoothingIsTheCentredMovingAverage() {
        StringBuilder csv = new StringBuilder("step,total,images_per_s\n");
        for (int i = 1; i <= 200; i++) csv.append(i).append(',').append(i % 2 == 0 ? 1.0 : 3.0).append(",1\n");
        double[] y = LossCurves.read(csv.toString(), "c", true).get("total")[1];
        // window 200/50 = 4 -> 2 on each side: five alternating values in the middle, mean (3+1+3+1+3)/5 or (1+3+1+3+1)/5
        assertEquals(11.0 / 5, y[100], 1e-12);
        assertEquals(9.0 / 5, y[101], 1e-12);
    }

    @Test
    void thePlotHasOnePanelPerTerm() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        LossCurves.plot(CSV, "loss.csv", "test run", out);
        var img = ImageIO.read(new ByteArrayInputStream(out.toByteArray()));
        ByteArrayOutputStream one = new ByteArrayOutputStream();
        LossCurves.plot("step,total,images_per_s\n1,1.0,2\n2,0.5,2\n", "one.csv", "test run", one);
        var single = ImageIO.read(new ByteArrayInputStream(one.toByteArray()));
        assertEquals(single.getWidth(), img.getWidth());
        assertEquals(3 * single.getHeight(), img.getHeight(), "three terms, three panels of equal height");
        assertThrows(IllegalArgumentException.class, () -> LossCurves.plot("step,images_per_s\n1,2\n", "t.csv", "t", new ByteArrayOutputStream()));
    }
}
