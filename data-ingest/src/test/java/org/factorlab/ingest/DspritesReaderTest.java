package org.factorlab.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.factorlab.data.FactorGrid;
import org.factorlab.data.KnownDataset;
import org.junit.jupiter.api.Test;

class DspritesReaderTest {
    private static final FactorGrid GRID = KnownDataset.DSPRITES.spec().grid();

    @Test
    void classesComeFromLatentsClassesAndPixelsAreScaled() throws IOException {
        long[] expected = Fixtures.npyLongs("dsprites/subset_indices.npy");
        List<Example> got;
        try (var r = new DspritesReader(Fixtures.path("dsprites/dsprites_subset.npz"))) {
            assertEquals(expected.length, r.count());
            got = Fixtures.readAll(r);
        }
        assertEquals(expected.length, got.size());
        for (int row = 0; row < got.size(); row++) {
            Example e = got.get(row);
            assertEquals(expected[row], e.index());
            int[] c = GRID.classes(expected[row]);
            assertArrayEquals(c, e.factors());
            byte[] img = e.image();
            assertEquals(64 * 64, img.length);
            long stamped = 0;
            for (int b = 0; b < 20; b++) if ((img[b] & 0xff) == 255) stamped |= 1L << b;
            assertEquals(e.index(), stamped, "index bits in row 0");
            assertEquals(255, Fixtures.pixel(img, 64, 1, 8 + c[5], 8 + c[4], 0), "sprite corner");
            assertEquals(0, Fixtures.pixel(img, 64, 1, 63, 63, 0));
            for (byte p : img) assertTrue(p == 0 || p == (byte) 255);
        }
    }

    @Test
    void badInputsNameTheKey() {
        var cls = assertThrows(InvalidInputException.class, () -> new DspritesReader(Fixtures.path("dsprites/dsprites_bad_classes.npz")));
        assertEquals("latents_classes[4, 1]", cls.field());
        assertTrue(cls.getMessage().contains("shape") && cls.getMessage().contains("[0, 3)"), cls.getMessage());
        var rows = assertThrows(InvalidInputException.class, () -> new DspritesReader(Fixtures.path("dsprites/dsprites_row_mismatch.npz")));
        assertEquals("latents_classes", rows.field());
        var px = assertThrows(InvalidInputException.class, () -> {
            try (var r = new DspritesReader(Fixtures.path("dsprites/dsprites_bad_pixels.npz"))) {
                r.read(e -> { });
            }
        });
        assertEquals("imgs", px.field());
        assertTrue(px.getMessage().contains("pixel value 7"), px.getMessage());
        var missing = assertThrows(InvalidInputException.class, () -> new DspritesReader(Fixtures.path("mpi3d/mpi3d_tiny_compressed.npz")));
        assertEquals("imgs", missing.field());
    }
}
