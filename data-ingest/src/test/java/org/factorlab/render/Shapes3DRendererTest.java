package org.factorlab.render;

import static org.junit.jupiter.api.Assertions.*;

import java.io.IOException;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.KnownDataset;
import org.factorlab.ingest.Example;
import org.junit.jupiter.api.Test;

class Shapes3DRendererTest {
    static final int FLOOR = 0, WALL = 1, OBJECT = 2, SCALE = 3, SHAPE = 4, ORIENTATION = 5;
    static final Shapes3DRenderer R = new Shapes3DRenderer(48, 3, null, 2);
    static final int[] BASE = {2, 5, 8, 4, 0, 7};

    @Test
    void specIsShapes3DsGridAtAnySize() {
        DatasetSpec s = new Shapes3DRenderer(32).spec();
        assertArrayEquals(new int[]{10, 10, 10, 8, 4, 15}, s.factorSizes());
        assertEquals(KnownDataset.SHAPES3D.spec().factors(), s.factors());
        assertEquals(32, s.imageShape().height());
        assertEquals(3, s.imageShape().channels());
        assertEquals(480_000, new Shapes3DRenderer(32).count());
    }

    @Test
    void deterministicAcrossInstancesAndThreadCounts() throws IOException {
        List<int[]> keep = Arrays.asList(new int[]{1, 7}, new int[]{0, 4}, new int[]{9}, new int[]{0, 7}, null, new int[]{0, 14});
        Map<Long, byte[]> a = renderAll(new Shapes3DRenderer(16, 2, keep, 1));
        Map<Long, byte[]> b = renderAll(new Shapes3DRenderer(16, 2, keep, 3));
        assertEquals(2 * 2 * 2 * 4 * 2, a.size());
        assertEquals(a.keySet(), b.keySet());
        for (long i : a.keySet()) assertArrayEquals(a.get(i), b.get(i), "index " + i);
        assertArrayEquals(R.image(BASE), new Shapes3DRenderer(48, 3, null, 1).image(BASE));
    }

    static Map<Long, byte[]> renderAll(Renderer r) throws IOException {
        Map<Long, byte[]> out = new ConcurrentHashMap<>();
        r.read((Example e) -> {
            assertEquals(r.spec().grid().index(e.factors()), e.index());
            assertArrayEquals(r.image(e.factors()), e.image());
            assertNull(out.put(e.index(), e.image()));
        });
        return out;
    }

    private static int[] with(int factor, int cls) {
        int[] c = BASE.clone();
        c[factor] = cls;
        return c;
    }

    /** Pixels whose RGB differs between two images. */
    private static boolean[] changed(byte[] a, byte[] b) {
        boolean[] out = new boolean[a.length / 3];
        for (int i = 0; i < a.length; i++) if (a[i] != b[i]) out[i / 3] = true;
        return out;
    }

    private static void assertChangesOnlyWhere(boolean[] changed, float[] coverage, String what) {
        int inside = 0, covered = 0;
        for (int p = 0; p < changed.length; p++) {
            if (coverage[p] > 0) covered++;
            if (changed[p]) {
                assertTrue(coverage[p] > 0, what + ": pixel " + p + " changed but shows none of that surface");
                inside++;
            }
        }
        assertTrue(covered > 50, what + " covers only " + covered + " pixels");
        assertTrue(inside >= 0.95 * covered, what + ": only " + inside + " of " + covered + " pixels changed");
    }

    @Test
    void hueFactorsChangeOnlyTheirOwnSurface() {
        Shapes3DScene.Layers l = R.layers(BASE);
        byte[] base = R.image(BASE);
        assertChangesOnlyWhere(changed(base, R.image(with(WALL, 1))), l.wall(), "wall hue");
        assertChangesOnlyWhere(changed(base, R.image(with(FLOOR, 6))), l.floor(), "floor hue");
        assertChangesOnlyWhere(changed(base, R.image(with(OBJECT, 3))), l.object(), "object hue");
    }

    @Test
    void shapeAndScaleChangeOnlyTheObjectAndItsShadow() {
        byte[] base = R.image(BASE);
        Shapes3DScene.Layers l0 = R.layers(BASE);
        for (int[] other : new int[][]{with(SHAPE, 2), with(SHAPE, 3), with(SCALE, 7), with(SCALE, 0)}) {
            Shapes3DScene.Layers l1 = R.layers(other);
            boolean[] ch = changed(base, R.image(other));
            int n = 0;
            for (int p = 0; p < ch.length; p++) {
                boolean objectOrShadow = l0.object()[p] > 0 || l1.object()[p] > 0 || l0.shadow()[p] > 0 || l1.shadow()[p] > 0;
                if (ch[p]) {
                    assertTrue(objectOrShadow, Arrays.toString(other) + ": pixel " + p + " away from object and shadow changed");
                    n++;
                }
            }
            assertTrue(n > 30, Arrays.toString(other) + " changed only " + n + " pixels");
        }
    }

    @Test
    void orientationMovesTheCamera() {
        boolean[] ch = changed(R.image(BASE), R.image(with(ORIENTATION, 0)));
        int n = 0;
        for (boolean c : ch) n += c ? 1 : 0;
        assertTrue(n > ch.length / 10, "orientation changed only " + n + " pixels");
    }

    @Test
    void objectIsAQuarterToAThirdOfTheFrameHigh() {
        for (int shape = 0; shape < 4; shape++)
            for (int ori : new int[]{0, 7, 14}) {
                int[] c = BASE.clone();
                c[SHAPE] = shape;
                c[ORIENTATION] = ori;
                for (int scale : new int[]{3, 4}) { // values 0.96 and 1.04
                    c[SCALE] = scale;
                    float[] obj = R.layers(c).object();
                    int top = -1, bottom = -1;
                    for (int y = 0; y < 48; y++)
                        for (int x = 0; x < 48; x++)
                            if (obj[y * 48 + x] > 0.1f) {
                                if (top < 0) top = y;
                                bottom = y;
                            }
                    double h = (bottom - top + 1) / 48.0;
                    assertTrue(h >= 0.22 && h <= 0.36, "shape " + shape + " scale " + scale + " orientation " + ori + ": height " + h);
                }
            }
    }

    @Test
    void objectGrowsWithScale() {
        double prev = 0;
        for (int scale = 0; scale < 8; scale++) {
            double area = 0;
            for (float v : R.layers(with(SCALE, scale)).object()) area += v > 0 ? 1 : 0;
            assertTrue(area > prev, "scale " + scale + " area " + area + " <= " + prev);
            prev = area;
        }
    }

    @Test
    void restrictedFactorsKeepTheirValuesAndImages() {
        List<int[]> keep = FactorRestriction.parse(R.spec(), List.of("floor_hue=0,3,6", "shape=2"));
        Shapes3DRenderer small = new Shapes3DRenderer(48, 3, keep, 1);
        assertArrayEquals(new int[]{3, 10, 10, 8, 1, 15}, small.spec().factorSizes());
        assertArrayEquals(new double[]{0.0, 0.3, 0.6}, small.spec().factors().get(FLOOR).values(), 1e-12);
        assertArrayEquals(new double[]{2}, small.spec().factors().get(SHAPE).values());
        assertEquals(3L * 10 * 10 * 8 * 15, small.count());
        assertArrayEquals(R.image(new int[]{3, 5, 8, 4, 2, 7}), small.image(new int[]{1, 5, 8, 4, 0, 7}));
        assertThrows(IllegalArgumentException.class, () -> FactorRestriction.parse(R.spec(), List.of("floor_hue=10")));
        assertThrows(IllegalArgumentException.class, () -> FactorRestriction.parse(R.spec(), List.of("colour=1")));
        assertThrows(IllegalArgumentException.class, () -> FactorRestriction.parse(R.spec(), List.of("shape=1,1")));
    }
}
