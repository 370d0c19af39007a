package org.factorlab.render;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.factorlab.data.KnownDataset;
import org.junit.jupiter.api.Test;

class DSpritesRendererTest {
    static final DSpritesRenderer R = new DSpritesRenderer(64);

    @Test
    void specIsDSpritesGrid() {
        assertEquals(KnownDataset.DSPRITES.spec().factors(), R.spec().factors());
        assertEquals(737_280, R.count());
        assertEquals(1, R.spec().imageShape().channels());
    }

    private static double[] stats(byte[] img) { // area, centroid x, centroid y
        double n = 0, sx = 0, sy = 0;
        for (int i = 0; i < img.length; i++) {
            int v = img[i] & 0xFF;
            assertTrue(v == 0 || v == 255, "binary image, got " + v);
            if (v == 255) {
                n++;
                sx += i % 64;
                sy += i / 64;
            }
        }
        return new double[]{n, sx / n, sy / n};
    }

    @Test
    void factorsActAsDefined() {
        for (int shape = 0; shape < 3; shape++) {
            double prev = 0;
            for (int scale = 0; scale < 6; scale++) {
                double a = stats(R.image(new int[]{0, shape, scale, 3, 16, 16}))[0];
                assertTrue(a > prev, "area grows with scale");
                prev = a;
            }
            double[] left = stats(R.image(new int[]{0, shape, 3, 0, 2, 16})), right = stats(R.image(new int[]{0, shape, 3, 0, 29, 16}));
            assertEquals(0.6 * 64 * 27 / 31.0, right[1] - left[1], 1.0, "pos_x moves the sprite right");
            assertEquals(0, right[2] - left[2], 0.5);
            double[] up = stats(R.image(new int[]{0, shape, 3, 0, 16, 2})), down = stats(R.image(new int[]{0, shape, 3, 0, 16, 29}));
            assertEquals(0.6 * 64 * 27 / 31.0, down[2] - up[2], 1.0, "pos_y moves the sprite down the rows");
            // orientation 0 and 2 pi are the same image, as in dSprites
            assertArrayEquals(R.image(new int[]{0, shape, 5, 0, 10, 20}), R.image(new int[]{0, shape, 5, 39, 10, 20}));
        }
        // the heart turned by about half a turn is a different image
        assertFalse(Arrays.equals(R.image(new int[]{0, 2, 5, 0, 16, 16}), R.image(new int[]{0, 2, 5, 20, 16, 16})));
        // shapes differ from each other at the same place
        assertFalse(Arrays.equals(R.image(new int[]{0, 0, 5, 0, 16, 16}), R.image(new int[]{0, 1, 5, 0, 16, 16})));
    }

    @Test
    void deterministicRestrictedRender() throws IOException {
        List<int[]> keep = FactorRestriction.parse(R.spec(), List.of("orientation=0,10", "pos_x=0,31", "pos_y=5,6,7"));
        Map<Long, byte[]> a = Shapes3DRendererTest.renderAll(new DSpritesRenderer(64, keep, 1));
        Map<Long, byte[]> b = Shapes3DRendererTest.renderAll(new DSpritesRenderer(64, keep, 2));
        assertEquals(3 * 6 * 2 * 2 * 3, a.size());
        for (long i : a.keySet()) assertArrayEquals(a.get(i), b.get(i));
    }
}
