package org.factorlab.data;

import static org.junit.jupiter.api.Assertions.*;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

class KnownDatasetTest {
    @Test
    void gridsMatchThePublishedFiles() {
        assertArrayEquals(new int[]{10, 10, 10, 8, 4, 15}, KnownDataset.SHAPES3D.spec().factorSizes());
        assertEquals(1_036_800, KnownDataset.MPI3D.spec().grid().count());
        assertEquals(460_800, KnownDataset.MPI3D_460K.spec().grid().count());
        assertEquals(17_568, KnownDataset.CARS3D.spec().grid().count());
        assertEquals(737_280, KnownDataset.DSPRITES.spec().grid().count());
        assertFalse(KnownDataset.CELEBA.spec().hasFactors());
        assertEquals(41, KnownDataset.CELEBA.spec().attributes().size());
    }

    @Test
    void shapes3dStoredValues() {
        DatasetSpec s = KnownDataset.SHAPES3D.spec();
        assertEquals(0.75, s.factors().get(3).value(0), 1e-12);
        assertEquals(1.25, s.factors().get(3).value(7), 1e-12);
        assertEquals(-30, s.factors().get(5).value(0), 1e-12);
        assertEquals(30, s.factors().get(5).value(14), 1e-12);
        assertEquals(0.9, s.factors().get(0).value(9), 1e-12);
        assertEquals(-1, s.factors().get(5).classOf(26.0, 1e-6), "26 is not a stored orientation");
        assertEquals(13, s.factors().get(5).classOf(25.714285714285715, 1e-6));
    }

    @Test
    void restrictKeepsOriginalValues() {
        DatasetSpec s = KnownDataset.SHAPES3D.spec();
        DatasetSpec r = s.restrict(Arrays.asList(new int[]{0, 5}, null, null, null, new int[]{1, 2}, null));
        assertArrayEquals(new int[]{2, 10, 10, 8, 2, 15}, r.factorSizes());
        assertArrayEquals(new double[]{0.0, 0.5}, r.factors().get(0).values(), 1e-12);
        assertArrayEquals(new double[]{1, 2}, r.factors().get(4).values(), 1e-12);
    }

    @Test
    void fromIdAndErrors() {
        assertEquals(KnownDataset.MPI3D_460K, KnownDataset.fromId("mpi3d-460k"));
        var e = assertThrows(IllegalArgumentException.class, () -> KnownDataset.fromId("mnist"));
        assertTrue(e.getMessage().contains("shapes3d"));
        assertThrows(IllegalArgumentException.class,
                () -> new DatasetSpec("x", List.of(Factor.ofClasses("a", 2), Factor.ofClasses("a", 3)), ImageShape.square(8, 1)));
        assertThrows(IllegalArgumentException.class, () -> new Factor("a", 2, new double[]{1}));
    }
}
