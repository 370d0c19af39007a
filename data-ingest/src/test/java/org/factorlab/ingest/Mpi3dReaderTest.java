package org.factorlab.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.KnownDataset;
import org.junit.jupiter.api.Test;

class Mpi3dReaderTest {
    /** The fixtures' test-only layout: MPI3D's factors restricted to [2,1,1,1,1,2,2] = 8 images. */
    private static final DatasetSpec TINY = KnownDataset.MPI3D.spec().restrict(List.of(
            new int[]{0, 1}, new int[]{0}, new int[]{0}, new int[]{0}, new int[]{0}, new int[]{0, 1}, new int[]{0, 1}));

    @Test
    void streamsCompressedAndStoredArchivesIdentically() throws IOException {
        List<Example> deflated, stored;
        try (var r = new Mpi3dReader(Fixtures.path("mpi3d/mpi3d_tiny_compressed.npz"), TINY)) {
            assertEquals(8, r.count());
            deflated = Fixtures.readAll(r);
        }
        try (var r = new Mpi3dReader(Fixtures.path("mpi3d/mpi3d_tiny_stored.npz"), TINY)) {
            stored = Fixtures.readAll(r);
        }
        assertEquals(8, deflated.size());
        for (int row = 0; row < 8; row++) {
            Example e = deflated.get(row);
            assertEquals(row, e.index());
            assertArrayEquals(TINY.grid().classes(row), e.factors());
            assertEquals(row, Fixtures.pixel(e.image(), 64, 3, 0, 0, 2), "stamped row");
            assertEquals(row * 30, Fixtures.pixel(e.image(), 64, 3, 5, 5, 0));
            assertEquals(255 - row * 30, Fixtures.pixel(e.image(), 64, 3, 5, 5, 1));
            assertArrayEquals(e.image(), stored.get(row).image());
        }
    }

    @Test
    void layoutComesFromTheImageCount() throws InvalidInputException {
        assertEquals(KnownDataset.MPI3D, Mpi3dReader.layoutForCount("f.npz", 1_036_800));
        assertEquals(KnownDataset.MPI3D_460K, Mpi3dReader.layoutForCount("f.npz", 460_800));
        var e = assertThrows(InvalidInputException.class, () -> Mpi3dReader.layoutForCount("f.npz", 1_036_799));
        assertEquals("images", e.field());
    }

    @Test
    void anyOtherCountIsRefused() {
        var e = assertThrows(InvalidInputException.class, () -> new Mpi3dReader(Fixtures.path("mpi3d/mpi3d_bad_count.npz")));
        assertEquals("images", e.field());
        assertTrue(e.getMessage().contains("5 images") && e.getMessage().contains("1036800"), e.getMessage());
    }

    @Test
    void fullSizeHeadersPickTheLayoutAndTruncatedDataFailsWhileStreaming() throws IOException {
        for (var c : List.of(new Object[]{"mpi3d_1036800_truncated.npz", KnownDataset.MPI3D},
                new Object[]{"mpi3d_460800_truncated.npz", KnownDataset.MPI3D_460K})) {
            try (var r = new Mpi3dReader(Fixtures.path("mpi3d/" + c[0]))) {
                KnownDataset layout = (KnownDataset) c[1];
                assertEquals(layout.spec(), r.spec());
                assertEquals(layout.spec().grid().count(), r.count());
                var got = new ArrayList<Example>();
                var e = assertThrows(InvalidInputException.class, () -> r.read(got::add));
                assertEquals(3, got.size(), "the three images present are delivered first");
                assertEquals("images", e.field());
                assertTrue(e.getMessage().contains("truncated") && e.getMessage().contains((String) c[0]), e.getMessage());
                assertArrayEquals(layout.spec().grid().classes(2), got.get(2).factors());
            }
        }
    }

    @Test
    void wrongKeyDtypeShapeAndBrokenZipAreNamed() {
        var key = assertThrows(InvalidInputException.class, () -> new Mpi3dReader(Fixtures.path("mpi3d/mpi3d_wrong_key.npz"), TINY));
        assertEquals("images", key.field());
        assertTrue(key.getMessage().contains("[imgs]"), key.getMessage());
        var dtype = assertThrows(InvalidInputException.class, () -> new Mpi3dReader(Fixtures.path("mpi3d/mpi3d_wrong_dtype.npz"), TINY));
        assertEquals("images", dtype.field());
        assertTrue(dtype.getMessage().contains("<f4") && dtype.getMessage().contains("uint8"), dtype.getMessage());
        var shape = assertThrows(InvalidInputException.class, () -> new Mpi3dReader(Fixtures.path("mpi3d/mpi3d_wrong_shape.npz"), TINY));
        assertEquals("images", shape.field());
        assertTrue(shape.getMessage().contains("(2, 64, 64)") && shape.getMessage().contains("(*, 64, 64, 3)"), shape.getMessage());
        var zip = assertThrows(InvalidInputException.class, () -> new Mpi3dReader(Fixtures.path("mpi3d/mpi3d_not_a_zip.npz"), TINY));
        assertTrue(zip.getMessage().contains("mpi3d_not_a_zip.npz") && zip.getMessage().contains("truncated or corrupt"), zip.getMessage());
    }
}
