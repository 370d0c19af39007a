package org.factorlab.shards;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.util.List;
import java.util.stream.Stream;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.provenance.Provenance;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A killed ingest cannot remove its spill directory: the next writer using the same folder does. */
class SpillDirsTest {
    @TempDir
    Path tmp;

    /** A spill directory as a SIGKILLed writer leaves it: bucket files, owned by a process that has ended. */
    private Path leftoverOfDeadProcess(Path parent) throws Exception {
        Process p = new ProcessBuilder("true").start();
        p.waitFor();
        ProcessHandle h = p.toHandle();
        Path d = Files.createDirectories(parent.resolve(SpillDirs.PREFIX + "123"));
        Files.write(d.resolve("bucket-0000.bin"), new byte[4096]);
        Files.writeString(d.resolve(SpillDirs.OWNER), h.pid() + " " + Instant.now() + "\n");
        return d;
    }

    @Test
    void aNewWriterRemovesTheSpillOfAKilledOneButNotOfALiveOne() throws Exception {
        Path spill = tmp.resolve("spill");
        Path dead = leftoverOfDeadProcess(spill);
        Path out = tmp.resolve("ds");
        ShardWriter.Options opts = ShardWriter.Options.defaults().withSeed(1).withRowsPerShard(8).withSpillDir(spill);
        try (ShardWriter live = ShardWriter.create(out.toUri(), ShardWriterTest.SPEC, opts, new Configuration())) {
            assertFalse(Files.exists(dead), "the killed writer's spill directory is removed at the next start");
            List<Path> now = list(spill);
            assertEquals(1, now.size(), now.toString());
            assertTrue(Files.readString(now.get(0).resolve(SpillDirs.OWNER)).startsWith(ProcessHandle.current().pid() + " "));
            // a second writer while the first is running leaves the first one's directory alone
            try (ShardWriter other = ShardWriter.create(tmp.resolve("ds2").toUri(), ShardWriterTest.SPEC, opts, new Configuration())) {
                assertEquals(2, list(spill).size());
            }
            assertEquals(now, list(spill));
            for (long i = 0; i < 35; i++) live.accept(ShardWriterTest.example(i));
            live.commit(Provenance.of("x", 1, null));
        }
        assertEquals(List.of(), list(spill), "a finished writer leaves nothing");
    }

    private static List<Path> list(Path dir) throws Exception {
        try (Stream<Path> s = Files.list(dir)) {
            return s.sorted().toList();
        }
    }
}
