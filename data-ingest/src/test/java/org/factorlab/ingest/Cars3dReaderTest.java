package org.factorlab.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.util.List;
import org.factorlab.data.FactorGrid;
import org.junit.jupiter.api.Test;

class Cars3dReaderTest {
    private static ReadOptions partial(int threads) {
        return new ReadOptions(threads, true, CelebaCrop.CENTER_148);
    }

    @Test
    void aFolderWithoutAll183CarsIsRefusedByDefault() {
        var e = assertThrows(InvalidInputException.class,
                () -> new Cars3dReader(Fixtures.path("cars3d/ok"), new ReadOptions(1, false, null)));
        assertTrue(e.getMessage().contains("3 .mat files") && e.getMessage().contains("183"), e.getMessage());
    }

    @Test
    void partialFolderReadsEveryViewResizedWithAntialiasing() throws IOException {
        List<Example> got;
        FactorGrid grid;
        try (var r = new Cars3dReader(Fixtures.path("cars3d/ok"), partial(1))) {
            assertArrayEquals(new int[]{4, 24, 3}, r.spec().factorSizes());
            assertEquals(List.of("car_a_mesh.mat", "car_b_mesh.mat", "car_c_mesh.mat"),
                    r.files().stream().map(p -> p.getFileName().toString()).toList());
            assertEquals(288, r.count());
            grid = r.spec().grid();
            got = Fixtures.readAll(r);
        }
        assertEquals(288, got.size());
        boolean[] seen = new boolean[288];
        for (Example e : got) {
            int el = e.factors()[0], az = e.factors()[1], car = e.factors()[2];
            assertEquals(grid.index(el, az, car), e.index());
            seen[(int) e.index()] = true;
            byte[] img = e.image();
            assertEquals(64 * 64 * 3, img.length);
            for (int c = 0; c < 3; c++) {
                // the generator's 1-pixel checkerboard averages to 127.5 -> 128 (nearest neighbour would give 0 or 255)
                assertEquals(128, Fixtures.pixel(img, 64, 3, 10, 17, c));
                assertEquals((car * 96 + az * 4 + el + 40 * c) % 256, Fixtures.pixel(img, 64, 3, 50, 40, c), "view value");
            }
        }
        for (boolean s : seen) assertTrue(s);
    }

    @Test
    void decodeThreadsDoNotChangeTheOutput() throws IOException {
        List<Example> one, two;
        try (var r = new Cars3dReader(Fixtures.path("cars3d/ok"), partial(1))) {
            one = Fixtures.readAll(r);
        }
        try (var r = new Cars3dReader(Fixtures.path("cars3d/ok"), partial(2))) {
            two = Fixtures.readAll(r);
        }
        for (int i = 0; i < one.size(); i++) {
            assertEquals(one.get(i).index(), two.get(i).index());
            assertArrayEquals(one.get(i).image(), two.get(i).image());
        }
    }

    @Test
    void matWithoutImOrWithWrongDimsIsNamed() {
        var none = assertThrows(InvalidInputException.class, () -> new Cars3dReader(Fixtures.path("cars3d/no_im"), partial(1)));
        assertEquals("im", none.field());
        assertTrue(none.getMessage().contains("car_a_mesh.mat") && none.getMessage().contains("[img]"), none.getMessage());
        var dims = assertThrows(InvalidInputException.class, () -> new Cars3dReader(Fixtures.path("cars3d/wrong_dims"), partial(1)));
        assertEquals("im", dims.field());
        assertTrue(dims.getMessage().contains("[128, 128, 3, 12, 4]"), dims.getMessage());
    }
}
