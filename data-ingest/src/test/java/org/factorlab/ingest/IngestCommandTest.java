package org.factorlab.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.KnownDataset;
import org.factorlab.shards.Manifest;
import org.factorlab.shards.ShardDataset;
import org.factorlab.shards.ShardWriter;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

class IngestCommandTest {
    @TempDir
    Path tmp;

    /** Runs the command as the launcher does (errors print their message, exit 1); returns exit code and stderr. */
    private static Object[] run(String... args) {
        var err = new StringWriter();
        var errWriter = new PrintWriter(err, true);
        var cl = new CommandLine(new IngestCommand());
        cl.setErr(errWriter);
        cl.setExecutionExceptionHandler((ex, cmd, parsed) -> {
            errWriter.println("error: " + ex.getMessage());
            return 1;
        });
        PrintStream old = System.err;
        var captured = new ByteArrayOutputStream();
        System.setErr(new PrintStream(captured, true));
        try {
            int code = cl.execute(args);
            return new Object[]{code, err + captured.toString()};
        } finally {
            System.setErr(old);
        }
    }

    private String out(String name) {
        return tmp.resolve(name).toUri().toString();
    }

    /** Ingests via the command and checks rows, factors, attributes and images against a direct read. */
    private Manifest ingestAndCompare(RawReader direct, String... args) throws IOException {
        Object[] r = run(args);
        assertEquals(0, r[0], (String) r[1]);
        String output = args[4];
        ShardDataset ds = ShardDataset.open(URI.create(output), new Configuration());
        ds.verify();
        assertEquals(direct.count(), ds.rows());
        assertEquals(direct.spec(), ds.spec());
        Map<Long, Example> expected = new HashMap<>();
        for (Example e : Fixtures.readAll(direct)) expected.put(e.index(), e);
        var it = ds.examples(ds.all());
        List<Long> order = new ArrayList<>();
        while (it.hasNext()) {
            Example got = it.next();
            Example want = expected.remove(got.index());
            assertTrue(want != null, "unexpected or repeated index " + got.index());
            assertArrayEquals(want.factors(), got.factors());
            assertArrayEquals(want.attributes(), got.attributes());
            assertArrayEquals(want.image(), got.image());
            order.add(got.index());
        }
        assertTrue(expected.isEmpty(), "missing rows " + expected.keySet());
        assertNotEquals(order.stream().sorted().toList(), order, "rows are shuffled");
        assertTrue(((String) r[1]).contains("images/s"), (String) r[1]);
        return ds.manifest();
    }

    @Test
    void ingestsEachFormatWithTheRightFactors() throws IOException {
        var opts = ReadOptions.defaults().withThreads(2);
        try (var r = new Shapes3dReader(Fixtures.path("shapes3d/3dshapes_subset.h5"), opts)) {
            Manifest m = ingestAndCompare(r, "shapes3d", "--input", Fixtures.path("shapes3d/3dshapes_subset.h5").toString(),
                    "--output", out("shapes3d"), "--seed", "3", "--threads", "2", "--rows-per-shard", "25", "--no-progress");
            assertEquals(3, m.shards().size());
            assertArrayEquals(new int[]{10, 10, 10, 8, 4, 15}, m.spec().factorSizes());
        }
        try (var r = new DspritesReader(Fixtures.path("dsprites/dsprites_subset.npz"))) {
            ingestAndCompare(r, "dsprites", "--input", Fixtures.path("dsprites/dsprites_subset.npz").toString(),
                    "--output", out("dsprites"), "--no-progress");
        }
        var partial = new ReadOptions(2, true, CelebaCrop.CENTER_148);
        try (var r = new Cars3dReader(Fixtures.path("cars3d/ok"), partial)) {
            Manifest m = ingestAndCompare(r, "cars3d", "--input", Fixtures.path("cars3d/ok").toString(),
                    "--output", out("cars3d"), "--allow-partial", "--no-progress");
            assertArrayEquals(new int[]{4, 24, 3}, m.spec().factorSizes());
            assertTrue(m.provenance().configText().contains("car classes by file (class: file name): 0: car_a_mesh.mat, 1: car_b_mesh.mat, 2: car_c_mesh.mat"),
                    m.provenance().configText());
        }
        try (var r = new CelebaReader(Fixtures.path("celeba/ok"), new ReadOptions(1, false, CelebaCrop.BOX_128))) {
            Manifest m = ingestAndCompare(r, "celeba", "--input", Fixtures.path("celeba/ok").toString(),
                    "--output", out("celeba"), "--celeba-crop", "BOX_128", "--no-progress");
            assertEquals(KnownDataset.CELEBA.spec().attributes(), m.spec().attributes());
        }
    }

    @Test
    void mpi3dStreamsIntoShardsWithItsLayout() throws IOException {
        // the real layouts need a 12.7 GB file; the tiny fixture goes through the same ingest path with a test layout
        DatasetSpec tiny = KnownDataset.MPI3D.spec().restrict(List.of(
                new int[]{0, 1}, new int[]{0}, new int[]{0}, new int[]{0}, new int[]{0}, new int[]{0, 1}, new int[]{0, 1}));
        URI uri = tmp.resolve("mpi3d").toUri();
        try (var r = new Mpi3dReader(Fixtures.path("mpi3d/mpi3d_tiny_compressed.npz"), tiny)) {
            IngestCommand.ingest(r, uri, ShardWriter.Options.defaults().withThreads(1), new Configuration(), "test", false, System.err);
        }
        ShardDataset ds = ShardDataset.open(uri, new Configuration());
        assertEquals(8, ds.rows());
        for (var it = ds.examples(ds.all()); it.hasNext(); ) {
            Example e = it.next();
            assertArrayEquals(tiny.grid().classes(e.index()), e.factors());
            assertEquals(e.index(), e.image()[2], "the stamped row");
        }
    }

    @Test
    void anMpi3dFileOfTheOlderReleaseSaysItBecomesMpi3d460k() {
        Object[] r = run("mpi3d", "--input", Fixtures.path("mpi3d/mpi3d_460800_truncated.npz").toString(), "--output", out("m460"), "--no-progress");
        String err = (String) r[1];
        assertTrue(err.contains("holds 460,800 images, the layout of mpi3d_460k; the dataset is ingested as mpi3d_460k"), err);
    }

    @Test
    void rerunIsIdempotentAndADifferentDatasetIsRefused() throws IOException {
        String h5 = Fixtures.path("shapes3d/3dshapes_subset.h5").toString();
        String output = out("same");
        assertEquals(0, run("shapes3d", "--input", h5, "--output", output, "--no-progress")[0]);
        Path manifest = tmp.resolve("same").resolve(Manifest.FILE_NAME);
        byte[] first = Files.readAllBytes(manifest);
        // what a re-run killed while writing leaves behind
        Path killed = Files.createDirectories(tmp.resolve("same").resolve("_temporary-0000"));
        Files.write(killed.resolve("part-00000.parquet"), new byte[100]);
        Object[] again = run("shapes3d", "--input", h5, "--output", output, "--no-progress");
        assertEquals(0, again[0], (String) again[1]);
        assertArrayEquals(first, Files.readAllBytes(manifest), "a re-run leaves the dataset untouched");
        assertTrue(Files.notExists(killed), "and removes what a killed re-run left");

        Object[] other = run("dsprites", "--input", Fixtures.path("dsprites/dsprites_subset.npz").toString(), "--output", output, "--no-progress");
        assertEquals(1, other[0]);
        assertTrue(((String) other[1]).contains("different dataset"), (String) other[1]);
        Object[] reseeded = run("shapes3d", "--input", h5, "--output", output, "--seed", "9", "--no-progress");
        assertEquals(1, reseeded[0]);
        assertArrayEquals(first, Files.readAllBytes(manifest));
    }

    @Test
    void badInputsExitNonZeroNamingFileAndFieldAndLeaveNoManifest() {
        String[][] cases = {
                {"shapes3d", "shapes3d/3dshapes_truncated.h5", "3dshapes_truncated.h5", "truncated or corrupt"},
                {"shapes3d", "shapes3d/3dshapes_corrupt.h5", "3dshapes_corrupt.h5", "not a readable HDF5"},
                {"shapes3d", "shapes3d/3dshapes_bad_labels.h5", "[labels[3, 3]]", "scale"},
                {"shapes3d", "shapes3d/3dshapes_wrong_key.h5", "[images]", "imgs"},
                {"mpi3d", "mpi3d/mpi3d_1036800_truncated.npz", "[images]", "truncated"},
                {"mpi3d", "mpi3d/mpi3d_wrong_key.npz", "[images]", "no array"},
                {"mpi3d", "mpi3d/mpi3d_wrong_dtype.npz", "[images]", "uint8"},
                {"mpi3d", "mpi3d/mpi3d_wrong_shape.npz", "[images]", "shape"},
                {"mpi3d", "mpi3d/mpi3d_bad_count.npz", "[images]", "5 images"},
                {"mpi3d_460k", "mpi3d/mpi3d_1036800_truncated.npz", "[images]", "not mpi3d_460k"},
                {"dsprites", "dsprites/dsprites_bad_classes.npz", "[latents_classes[4, 1]]", "outside"},
                {"dsprites", "dsprites/dsprites_bad_pixels.npz", "[imgs]", "pixel value"},
                {"cars3d", "cars3d/ok", "cars3d/ok", "183 (pass --allow-partial"},
                {"cars3d", "cars3d/no_im", "car_a_mesh.mat [im]", "no variable"},
                {"cars3d", "cars3d/wrong_dims", "car_a_mesh.mat [im]", "dimensions"},
                {"celeba", "celeba/bad_jpeg", "000002.jpg", "unreadable JPEG"},
                {"celeba", "celeba/bad_count", "list_attr_celeba.txt [line 1]", "declares 4"},
                {"celeba", "celeba/bad_columns", "list_attr_celeba.txt [line 4]", "columns"},
        };
        int i = 0;
        for (String[] c : cases) {
            Path output = tmp.resolve("bad" + i++);
            List<String> args = new ArrayList<>(List.of(c[0], "--input", Fixtures.path(c[1]).toString(), "--output", output.toUri().toString(), "--no-progress", "--threads", "2"));
            if (c[1].startsWith("cars3d/") && !c[1].equals("cars3d/ok")) args.add("--allow-partial");
            Object[] r = run(args.toArray(String[]::new));
            String err = (String) r[1];
            assertEquals(1, r[0], c[1] + ": " + err);
            assertTrue(err.contains(c[2]) && err.contains(c[3]), c[1] + " should name '" + c[2] + "' and say '" + c[3] + "': " + err);
            assertFalse(Files.exists(output.resolve(Manifest.FILE_NAME)), c[1] + " left a manifest");
        }
    }
}
