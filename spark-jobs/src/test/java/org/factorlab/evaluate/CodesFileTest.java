package org.factorlab.evaluate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.metrics.CodesAndFactors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class CodesFileTest {
    static final Path FIXTURE = Path.of("src/test/resources/evaluate");

    @Test
    void npyAndCsvOfTheSameCodesReadTheSame() throws Exception {
        EvaluationRun npy = CodesFile.read(FIXTURE.resolve("npy/codes.npy").toUri().toString(), "a", new Configuration(), 1);
        EvaluationRun csv = CodesFile.read(FIXTURE.resolve("codes.csv").toUri().toString(), "b", new Configuration(), 1);
        assertEquals(1200, npy.data().numPoints());
        assertEquals(5, npy.data().codeDim());
        assertEquals(List.of("color", "shape", "size"), npy.data().factorNames());
        assertEquals(npy.data().factorNames(), csv.data().factorNames());
        assertArrayEquals(npy.data().codes(), csv.data().codes());
        assertArrayEquals(npy.data().factors(), csv.data().factors());
        assertEquals(64, npy.sha256().length());
        assertEquals("npy", CodesFile.defaultRunId(FIXTURE.resolve("npy/codes.npy").toString()));
        assertEquals("evaluate", CodesFile.defaultRunId(FIXTURE.resolve("codes.csv").toString()));
        assertEquals("seed3", CodesFile.defaultRunId("hdfs://nn/sweep/seed3.npy"));
    }

    @Test
    void npyRoundTripsAndReadsOtherLayouts() throws Exception {
        double[][] a = {{1.5, -2}, {3, 4.25}, {0, 1e-300}};
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        Npy.writeDoubles(b, a);
        assertEquals(0, (b.size() - 6 * 8) % 64, "header padded to a multiple of 64 bytes");
        Npy.Array back = Npy.read(new ByteArrayInputStream(b.toByteArray()), "t");
        assertArrayEquals(a, back.rows());
        // big-endian int32, Fortran order, 2 x 3: [[1,2,3],[4,5,6]] stored column by column
        String h = "{'descr': '>i4', 'fortran_order': True, 'shape': (2, 3), }";
        ByteArrayOutputStream f = new ByteArrayOutputStream();
        f.write(new byte[]{(byte) 0x93, 'N', 'U', 'M', 'P', 'Y', 1, 0, (byte) h.length(), 0});
        f.write(h.getBytes(StandardCharsets.ISO_8859_1));
        for (int v : new int[]{1, 4, 2, 5, 3, 6}) f.write(java.nio.ByteBuffer.allocate(4).putInt(v).array());
        Npy.Array fo = Npy.read(new ByteArrayInputStream(f.toByteArray()), "f");
        assertArrayEquals(new double[][]{{1, 2, 3}, {4, 5, 6}}, fo.rows());
        assertTrue(fo.integral());
        var e = assertThrows(java.io.IOException.class, () -> Npy.read(new ByteArrayInputStream(java.util.Arrays.copyOf(f.toByteArray(), f.size() - 2)), "cut.npy"));
        assertTrue(e.getMessage().contains("cut.npy: truncated"), e.getMessage());
    }

    @Test
    void csvErrorsNameTheFileLineAndColumn(@TempDir Path dir) throws Exception {
        assertCsvError(dir, "z0,z1\n1,2\n", "header has no 'factor:NAME' column");
        assertCsvError(dir, "z0,factor:a\n1,0\nx,1\n", ":3: column 'z0': 'x' is not a number");
        assertCsvError(dir, "z0,factor:a\n1,0\n2,1.5\n", ":3: column 'factor:a': '1.5' is not an integer class");
        assertCsvError(dir, "z0,factor:a\n1,0\n2\n", ":3: 1 cells, header has 2");
        assertCsvError(dir, "z0,factor:a\nNaN,0\n", ":2: column 'z0' is NaN; codes must be finite");
        assertCsvError(dir, "z0,factor:a\n", "no data rows");
    }

    @Test
    void npyErrorsNameTheFiles(@TempDir Path dir) throws Exception {
        Path codes = dir.resolve("codes.npy");
        try (var out = Files.newOutputStream(codes)) {
            Npy.writeDoubles(out, new double[][]{{1, 2}, {3, 4}, {5, 6}});
        }
        var e = assertThrows(IllegalArgumentException.class, () -> CodesFile.read(codes.toString(), "r", new Configuration(), 1));
        assertTrue(e.getMessage().contains("factors.npy beside them"), e.getMessage());
        try (var out = Files.newOutputStream(dir.resolve("factors.npy"))) {
            Npy.writeInts(out, new int[][]{{0}, {1}});
        }
        e = assertThrows(IllegalArgumentException.class, () -> CodesFile.read(codes.toString(), "r", new Configuration(), 1));
        assertTrue(e.getMessage().contains("has 3 rows but") && e.getMessage().contains("has 2"), e.getMessage());
        e = assertThrows(IllegalArgumentException.class, () -> CodesFile.read(dir.resolve("none.npy").toString(), "r", new Configuration(), 1));
        assertTrue(e.getMessage().contains("does not exist"), e.getMessage());
    }

    @Test
    void writtenCodesReadBackIdentically(@TempDir Path dir) throws Exception {
        CodesAndFactors d = new CodesAndFactors(new double[][]{{0.1, 2}, {3, -4}}, new int[][]{{1, 7}, {0, 3}}, List.of("x", "y"));
        var fs = org.apache.hadoop.fs.FileSystem.getLocal(new Configuration());
        CodesFile.write(fs, new org.apache.hadoop.fs.Path(dir.toUri()), d);
        EvaluationRun back = CodesFile.read(dir.resolve("codes.npy").toString(), "r", new Configuration(), 1);
        assertArrayEquals(d.codes(), back.data().codes());
        assertArrayEquals(d.factors(), back.data().factors());
        assertEquals(d.factorNames(), back.data().factorNames());
        try (var s = Files.list(dir)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".")), "no temporary or checksum files left");
        }
    }

    private static void assertCsvError(Path dir, String content, String expected) throws Exception {
        Path p = dir.resolve("bad.csv");
        Files.writeString(p, content);
        var e = assertThrows(IllegalArgumentException.class, () -> CodesFile.read(p.toString(), "r", new Configuration(), 1));
        assertTrue(e.getMessage().contains("bad.csv") && e.getMessage().contains(expected), e.getMessage());
    }
}
