package org.factorlab.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.List;
import org.junit.jupiter.api.Test;

class CelebaReaderTest {
    private static final int IMG = 64 * 64 * 3;

    private static List<Example> read(String folder, CelebaCrop crop, int threads) throws IOException {
        try (var r = new CelebaReader(Fixtures.path("celeba/" + folder), new ReadOptions(threads, false, crop))) {
            return Fixtures.readAll(r);
        }
    }

    /** Mean and max absolute difference between image {@code i} of an expected stack and {@code got}. */
    private static double[] diff(byte[] expected, int i, byte[] got) {
        double sum = 0, max = 0;
        for (int p = 0; p < IMG; p++) {
            int d = Math.abs((expected[i * IMG + p] & 0xff) - (got[p] & 0xff));
            sum += d;
            max = Math.max(max, d);
        }
        return new double[]{sum / IMG, max};
    }

    @Test
    void attributesSplitsAndCenterCropMatchTheReference() throws IOException {
        long[] attrs = Fixtures.npyLongs("celeba/expected_attrs.npy");
        byte[] expected = Fixtures.npyBytes("celeba/expected_center148.npy");
        int[] splits = {0, 0, 0, 1, 2, 2};
        List<Example> got = read("ok", CelebaCrop.CENTER_148, 2);
        assertEquals(6, got.size());
        for (int i = 0; i < 6; i++) {
            Example e = got.get(i);
            assertEquals(i, e.index());
            assertEquals(0, e.factors().length);
            assertEquals(41, e.attributes().length);
            for (int k = 0; k < 40; k++) assertEquals(attrs[i * 40 + k], e.attributes()[k], "image " + i + " attribute " + k);
            assertEquals(splits[i], e.attributes()[40]);
            // Java's JPEG decoder and Pillow's libjpeg-turbo may differ by a level or two per pixel
            double[] d = diff(expected, i, e.image());
            assertTrue(d[0] < 1.0 && d[1] <= 8, "image " + i + ": mean " + d[0] + ", max " + d[1]);
        }
    }

    @Test
    void boxCropIsAnOptionAndDiffersFromTheCenterCrop() throws IOException {
        byte[] box = Fixtures.npyBytes("celeba/expected_box128.npy");
        List<Example> boxed = read("ok", CelebaCrop.BOX_128, 1);
        List<Example> centred = read("ok", CelebaCrop.CENTER_148, 1);
        for (int i = 0; i < 6; i++) {
            double[] d = diff(box, i, boxed.get(i).image());
            assertTrue(d[0] < 1.0 && d[1] <= 8, "image " + i + ": mean " + d[0] + ", max " + d[1]);
            assertTrue(diff(box, i, centred.get(i).image())[0] > 5, "the test must tell the crops apart");
        }
    }

    @Test
    void badAttributeFilesNameFileAndLine() {
        var count = assertThrows(InvalidInputException.class, () -> read("bad_count", null, 1));
        assertTrue(count.file().endsWith("list_attr_celeba.txt"));
        assertEquals("line 1", count.field());
        assertTrue(count.getMessage().contains("declares 4 images but lists 3"), count.getMessage());
        var cols = assertThrows(InvalidInputException.class, () -> read("bad_columns", null, 1));
        assertTrue(cols.file().endsWith("list_attr_celeba.txt"));
        assertEquals("line 4", cols.field());
        assertTrue(cols.getMessage().contains("40 columns, expected 41"), cols.getMessage());
    }

    @Test
    void badValuesMissingSplitsAndMissingImagesAreNamed(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) throws IOException {
        java.nio.file.Path src = Fixtures.path("celeba/ok");
        java.nio.file.Path dir = tmp.resolve("celeba");
        java.nio.file.Files.createDirectories(dir.resolve("img_align_celeba"));
        try (var s = java.nio.file.Files.list(src.resolve("img_align_celeba"))) {
            for (var f : s.toList()) java.nio.file.Files.copy(f, dir.resolve("img_align_celeba").resolve(f.getFileName()));
        }
        String attrs = java.nio.file.Files.readString(src.resolve("list_attr_celeba.txt"));
        String parts = java.nio.file.Files.readString(src.resolve("list_eval_partition.txt"));
        var opts = new ReadOptions(1, false, null);

        // a 0 where the file must say 1 or -1: line 3 is the first image, column 2 its first attribute
        java.nio.file.Files.writeString(dir.resolve("list_attr_celeba.txt"), attrs.replaceFirst("000001.jpg +-?1", "000001.jpg  0"));
        java.nio.file.Files.writeString(dir.resolve("list_eval_partition.txt"), parts);
        var v = assertThrows(InvalidInputException.class, () -> new CelebaReader(dir, opts));
        assertEquals("line 3, column 2 (5_o_Clock_Shadow)", v.field());

        java.nio.file.Files.writeString(dir.resolve("list_attr_celeba.txt"), attrs);
        java.nio.file.Files.writeString(dir.resolve("list_eval_partition.txt"), parts.replace("000004.jpg 1\n", ""));
        var split = assertThrows(InvalidInputException.class, () -> new CelebaReader(dir, opts));
        assertTrue(split.file().endsWith("list_eval_partition.txt") && "000004.jpg".equals(split.field()), split.getMessage());

        java.nio.file.Files.writeString(dir.resolve("list_eval_partition.txt"), parts);
        java.nio.file.Files.delete(dir.resolve("img_align_celeba").resolve("000005.jpg"));
        var missing = assertThrows(InvalidInputException.class, () -> new CelebaReader(dir, opts));
        assertTrue(missing.file().endsWith("000005.jpg") && missing.getMessage().contains("missing image"), missing.getMessage());
    }

    @Test
    void unreadableJpegIsNamed() {
        var e = assertThrows(InvalidInputException.class, () -> {
            try {
                read("bad_jpeg", null, 2);
            } catch (UncheckedIOException u) {
                throw u.getCause();
            }
        });
        assertTrue(e.file().endsWith("000002.jpg"), e.getMessage());
        assertTrue(e.getMessage().contains("unreadable JPEG"), e.getMessage());
    }

    @Test
    void decodeThreadsDoNotChangeTheOutput() throws IOException {
        List<Example> one = read("ok", null, 1), three = read("ok", null, 3);
        for (int i = 0; i < one.size(); i++) assertArrayEquals(one.get(i).image(), three.get(i).image());
    }
}
