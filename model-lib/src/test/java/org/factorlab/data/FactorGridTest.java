package org.factorlab.data;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;

class FactorGridTest {
    @Test
    void lastFactorIsFastest() {
        FactorGrid g = new FactorGrid(2, 3, 4);
        assertEquals(24, g.count());
        assertEquals(0, g.index(0, 0, 0));
        assertEquals(1, g.index(0, 0, 1));
        assertEquals(4, g.index(0, 1, 0));
        assertEquals(12, g.index(1, 0, 0));
        assertEquals(23, g.index(1, 2, 3));
    }

    @Test
    void indexAndClassesAreInverse() {
        FactorGrid g = FactorGrid.of(KnownDataset.SHAPES3D.spec().factors());
        assertEquals(480_000, g.count());
        for (long i = 0; i < g.count(); i += 997) assertEquals(i, g.index(g.classes(i)));
        assertArrayEquals(new int[]{9, 9, 9, 7, 3, 14}, g.classes(479_999));
    }

    @Test
    void rejectsOutOfRange() {
        FactorGrid g = new FactorGrid(2, 3);
        assertThrows(IllegalArgumentException.class, () -> g.index(0, 3));
        assertThrows(IllegalArgumentException.class, () -> g.index(0));
        assertThrows(IllegalArgumentException.class, () -> g.classes(6));
        assertThrows(IllegalArgumentException.class, () -> new FactorGrid(2, 0));
    }
}
