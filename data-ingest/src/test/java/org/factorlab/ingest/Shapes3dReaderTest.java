package org.factorlab.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.factorlab.data.FactorGrid;
import org.factorlab.data.KnownDataset;
import org.junit.jupiter.api.Test;

class Shapes3dReaderTest {
    private static final FactorGrid GRID = KnownDataset.SHAPES3D.spec().grid();

    private static List<Example> read(String fixture, int threads) throws IOException {
        try (var r = new Shapes3dReader(Fixtures.path("shapes3d/" + fixture), ReadOptions.defaults().withThreads(threads))) {
            return Fixtures.readAll(r);
        }
    }

    @Test
    void subsetInShuffledOrderGetsClassesFromLabelValues() throws IOException {
        long[] expected = Fixtures.npyLongs("shapes3d/subset_indices.npy");
        List<Example> got = read("3dshapes_subset.h5", 1);
        assertEquals(expected.length, got.size());
        for (int r = 0; r < got.size(); r++) {
            Example e = got.get(r);
            assertEquals(expected[r], e.index(), "row " + r);
            assertArrayEquals(GRID.classes(expected[r]), e.factors());
            byte[] img = e.image();
            assertEquals(64 * 64 * 3, img.length);
            // the generator stamps the grid index into pixel (0, 0) and paints floor/wall/object from the factors
            long stamped = (long) Fixtures.pixel(img, 64, 3, 0, 0, 0) << 16 | Fixtures.pixel(img, 64, 3, 0, 0, 1) << 8 | Fixtures.pixel(img, 64, 3, 0, 0, 2);
            assertEquals(e.index(), stamped);
            assertEquals(e.factors()[0] * 25, Fixtures.pixel(img, 64, 3, 60, 0, 0), "floor hue");
            assertEquals(e.factors()[1] * 25, Fixtures.pixel(img, 64, 3, 5, 0, 1), "wall hue");
            assertEquals(e.factors()[2] * 25, Fixtures.pixel(img, 64, 3, 32, 32 + e.factors()[5] - 7, 2), "object hue");
        }
    }

    @Test
    void decodeThreadsDoNotChangeTheOutput() throws IOException {
        List<Example> one = read("3dshapes_subset.h5", 1), three = read("3dshapes_subset.h5", 3);
        assertEquals(one.size(), three.size());
        for (int i = 0; i < one.size(); i++) {
            assertEquals(one.get(i).index(), three.get(i).index());
            assertArrayEquals(one.get(i).image(), three.get(i).image());
        }
    }

    @Test
    void chunksThatSplitImagesAreAssembled() throws IOException {
        List<Example> whole = read("3dshapes_subset.h5", 1), odd = read("3dshapes_oddchunks.h5", 2);
        assertEquals(20, odd.size());
        for (int i = 0; i < odd.size(); i++) {
            assertEquals(whole.get(i).index(), odd.get(i).index());
            assertArrayEquals(whole.get(i).image(), odd.get(i).image(), "image " + i);
        }
    }

    @Test
    void uncompressedContiguousFilesAreReadToo() throws IOException {
        List<Example> whole = read("3dshapes_subset.h5", 1), flat = read("3dshapes_contiguous.h5", 1);
        assertEquals(6, flat.size());
        for (int i = 0; i < flat.size(); i++) {
            assertEquals(whole.get(i).index(), flat.get(i).index());
            assertArrayEquals(whole.get(i).image(), flat.get(i).image(), "image " + i);
        }
    }

    @Test
    void labelOutsideTheSpecNamesRowAndColumn() {
        var e = assertThrows(InvalidInputException.class, () -> read("3dshapes_bad_labels.h5", 1));
        assertEquals("labels[3, 3]", e.field());
        assertTrue(e.getMessage().contains("3dshapes_bad_labels.h5"), e.getMessage());
        assertTrue(e.getMessage().contains("scale") && e.getMessage().contains("2.0"), e.getMessage());
    }

    @Test
    void missingImagesKeyIsNamed() {
        var e = assertThrows(InvalidInputException.class, () -> read("3dshapes_wrong_key.h5", 1));
        assertEquals("images", e.field());
        assertTrue(e.getMessage().contains("imgs"), e.getMessage());
    }

    @Test
    void wrongImageShapeIsNamed() {
        var e = assertThrows(InvalidInputException.class, () -> read("3dshapes_wrong_shape.h5", 1));
        assertEquals("images", e.field());
        assertTrue(e.getMessage().contains("expected (N, 64, 64, 3)"), e.getMessage());
    }

    @Test
    void truncatedAndCorruptFilesFailClearly() {
        for (String f : List.of("3dshapes_truncated.h5", "3dshapes_corrupt.h5")) {
            var e = assertThrows(InvalidInputException.class, () -> {
                try {
                    read(f, 2);
                } catch (UncheckedIOException u) {
                    throw u.getCause();
                }
            }, f);
            assertTrue(e.getMessage().contains(f), e.getMessage());
            assertTrue(e.getMessage().contains("truncated or corrupt"), e.getMessage());
        }
    }

    @Test
    void toleranceIsAQuarterOfTheGridSpacing() {
        var scale = KnownDataset.SHAPES3D.spec().factor("scale").orElseThrow();
        assertEquals(0.5 / 7 / 4, Shapes3dReader.tolerance(scale), 1e-12);
        assertEquals(2, scale.classOf(0.75 + 2 * 0.5 / 7 + 0.01, Shapes3dReader.tolerance(scale)));
        assertEquals(-1, scale.classOf(0.75 + 2.5 * 0.5 / 7, Shapes3dReader.tolerance(scale)));
    }
}
