package org.factorlab.ingest;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.KnownDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The benchmark's npz writer produces archives the MPI3D reader accepts (stored and deflated), image for image. */
class IngestBenchmarkTest {
    @TempDir
    Path tmp;

    @Test
    void generatedNpzStreamsBack() throws IOException {
        DatasetSpec tiny = KnownDataset.MPI3D.spec().restrict(List.of(
                new int[]{0, 1}, new int[]{0}, new int[]{0}, new int[]{0}, new int[]{0}, new int[]{0, 1, 2}, new int[]{0, 1}));
        for (boolean deflate : new boolean[]{false, true}) {
            Path f = tmp.resolve("b" + deflate + ".npz");
            IngestBenchmark.writeNpz(f, 12, deflate);
            try (var r = new Mpi3dReader(f, tiny)) {
                List<Example> got = Fixtures.readAll(r);
                assertEquals(12, got.size());
                for (int i = 0; i < 12; i++) {
                    // block centre of image i is at (i % 40 + 12, i / 40 % 40 + 12): red 250
                    assertEquals(250, Fixtures.pixel(got.get(i).image(), 64, 3, 12, i % 40 + 12, 0));
                    assertEquals((i * 7 + 2) & 0xff, Fixtures.pixel(got.get(i).image(), 64, 3, 2, 60, 0));
                }
            }
        }
    }
}
