package org.factorlab.shards;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The shuffle's local spill directories, {@code factorlab-shuffle-*} in the spill folder. Each holds an {@value #OWNER}
 * file naming the process that writes it (pid and start time). A process killed with SIGKILL cannot remove its
 * directory, so every new writer first deletes the directories whose owner is no longer running (and directories
 * without an owner file, left by older versions, once they are a day old). A shutdown hook removes the directory on
 * a normal exit, Ctrl-C or SIGTERM.
 */
final class SpillDirs {
    static final String PREFIX = "factorlab-shuffle-";
    static final String OWNER = "owner";
    private static final Duration LEGACY_AGE = Duration.ofDays(1);
    private static final Logger LOG = LoggerFactory.getLogger(SpillDirs.class);

    private SpillDirs() {
    }

    /** Removes stale spill directories in {@code parent}, then creates and claims a new one. */
    static Path create(Path parent) throws IOException {
        Files.createDirectories(parent);
        cleanStale(parent);
        Path dir = Files.createTempDirectory(parent, PREFIX);
        ProcessHandle me = ProcessHandle.current();
        Files.writeString(dir.resolve(OWNER), me.pid() + " " + me.info().startInstant().map(Instant::toString).orElse("?") + "\n",
                StandardCharsets.UTF_8);
        return dir;
    }

    /** Deletes the spill directories in {@code parent} whose owner process has ended; returns how many. */
    static int cleanStale(Path parent) {
        int n = 0;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(parent, PREFIX + "*")) {
            for (Path d : ds) {
                if (!Files.isDirectory(d) || !isStale(d)) continue;
                try {
                    long bytes = deleteTree(d);
                    n++;
                    LOG.info("removed the spill directory {} ({} MB) of an ingest that did not finish", d, bytes >> 20);
                } catch (IOException e) {
                    LOG.warn("cannot remove the stale spill directory {}: {}", d, e.getMessage());
                }
            }
        } catch (IOException e) {
            LOG.warn("cannot list {} for stale spill directories: {}", parent, e.getMessage());
        }
        return n;
    }

    static boolean isStale(Path dir) throws IOException {
        Path owner = dir.resolve(OWNER);
        if (!Files.exists(owner)) {
            FileTime t = Files.getLastModifiedTime(dir);
            return t.toInstant().isBefore(Instant.now().minus(LEGACY_AGE));
        }
        String[] f = Files.readString(owner, StandardCharsets.UTF_8).trim().split(" ");
        long pid;
        try {
            pid = Long.parseLong(f[0]);
        } catch (NumberFormatException e) {
            return false; // not ours to judge
        }
        Optional<ProcessHandle> p = ProcessHandle.of(pid);
        if (p.isEmpty() || !p.get().isAlive()) return true;
        // the pid may have been reused by another process since: compare start times
        String started = p.get().info().startInstant().map(Instant::toString).orElse("?");
        return f.length > 1 && !f[1].equals("?") && !started.equals("?") && !f[1].equals(started);
    }

    static long deleteTree(Path dir) throws IOException {
        long bytes = 0;
        try (Stream<Path> s = Files.walk(dir)) {
            for (Path p : s.sorted(Comparator.reverseOrder()).toList()) {
                if (Files.isRegularFile(p)) bytes += Files.size(p);
                Files.deleteIfExists(p);
            }
        }
        return bytes;
    }
}
