package org.factorlab.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.shards.Manifest;
import org.factorlab.shards.ShardDataset;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Re-running an ingest in a fresh JVM must be accepted. Parquet files of the same rows are not byte-identical across
 * JVMs (parquet-mr lists each column chunk's encodings from a hash set of enum constants, whose order follows the
 * JVM's identity hashes), so a comparison by file SHA-256 refused about half of the re-runs; datasets are now
 * compared by a digest of their rows.
 */
class IngestReproducibilityTest {
    private static final int RERUNS = 4;

    @TempDir
    Path tmp;

    private static String[] ingestArgs(String output) {
        return new String[]{"shapes3d", "--input", Fixtures.path("shapes3d/3dshapes_subset.h5").toString(), "--output", output,
                "--seed", "5", "--rows-per-shard", "20", "--threads", "1", "--no-progress"};
    }

    /** Runs the ingest in a new JVM; returns its exit status, failing with its output if it does not end in time. */
    private int fork(String output, Path log) throws IOException, InterruptedException {
        List<String> cmd = new ArrayList<>();
        cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
        cmd.add("-Xmx512m");
        cmd.add("-cp");
        cmd.add(System.getProperty("java.class.path"));
        cmd.add(ForkedIngest.class.getName());
        cmd.addAll(List.of(ingestArgs(output)));
        Process p = new ProcessBuilder(cmd).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        if (!p.waitFor(180, TimeUnit.SECONDS)) {
            p.destroyForcibly();
            throw new AssertionError("forked ingest did not finish in 180 s: " + Files.readString(log));
        }
        return p.exitValue();
    }

    @Test
    void reRunsInFreshJvmsAreAcceptedAndManifestsAgree() throws Exception {
        String output = tmp.resolve("shapes3d").toUri().toString();
        Path log = tmp.resolve("log.txt");
        assertEquals(0, fork(output, log), () -> read(log));
        Path manifestFile = tmp.resolve("shapes3d").resolve(Manifest.FILE_NAME);
        byte[] first = Files.readAllBytes(manifestFile);
        Manifest m = Manifest.parse(first, manifestFile.toString());
        assertNotNull(m.contentSha256(), "the manifest records a content digest");
        for (int i = 0; i < RERUNS; i++) {
            int rc = fork(output, log);
            assertEquals(0, rc, "re-run " + (i + 1) + " in a fresh JVM was refused: " + read(log));
            assertArrayEquals(first, Files.readAllBytes(manifestFile), "re-run " + (i + 1) + " left the manifest as it was");
        }
        // separate outputs from separate JVMs: the same dataset by content, whatever the files' bytes
        for (int i = 0; i < 2; i++) {
            String other = tmp.resolve("copy" + i).toUri().toString();
            assertEquals(0, fork(other, log), () -> read(log));
            ShardDataset ds = ShardDataset.open(URI.create(other), new Configuration());
            ds.verify();
            ds.verifyContent();
            assertTrue(ds.manifest().sameDataset(m), "copy " + i + " holds the same dataset");
            assertEquals(m.contentSha256(), ds.manifest().contentSha256());
        }
        ShardDataset.open(URI.create(output), new Configuration()).verifyContent();
    }

    private static String read(Path log) {
        try {
            return Files.readString(log, StandardCharsets.UTF_8);
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
