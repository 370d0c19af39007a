package org.factorlab.spark;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FSDataOutputStream;
import org.apache.hadoop.fs.FileContext;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Options;
import org.apache.hadoop.fs.Path;
import org.factorlab.train.Checkpoint;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A training run's directory on any Hadoop FileSystem. Every file is written under a temporary name and renamed,
 * so a reader (or a resumed run) never sees half a file:
 * <pre>
 * config.yaml          the model config, verbatim
 * job.json             the job parameters
 * provenance.json      config, seed, data manifest checksum, code and library versions
 * history.csv          one line per round (loss, throughput, timings, norms)
 * checkpoints/round-NNNNNNNN.ckpt   the state after NNNNNNNN rounds (last K kept)
 * result.json          written when the run completes
 * </pre>
 */
public final class RunDirectory {
    private static final Logger LOG = LoggerFactory.getLogger(RunDirectory.class);
    public static final String CONFIG = "config.yaml";
    public static final String JOB = "job.json";
    public static final String PROVENANCE = "provenance.json";
    public static final String HISTORY = "history.csv";
    public static final String RESULT = "result.json";
    public static final String CHECKPOINTS = "checkpoints";
    private static final Pattern CKPT = Pattern.compile("round-(\\d{8})\\.ckpt");

    private final Path root;
    private final FileSystem fs;
    private final FileContext fc;

    public RunDirectory(String uri, Configuration conf) {
        try {
            this.root = new Path(URI.create(uri));
            this.fs = root.getFileSystem(conf);
            this.fc = FileContext.getFileContext(fs.getUri(), conf);
        } catch (IOException | IllegalArgumentException e) {
            throw new IllegalArgumentException("run directory " + uri + ": " + e.getMessage(), e);
        }
    }

    /** A checkpoint file and the number of rounds it holds. */
    public record CheckpointFile(int round, Path path) {
    }

    public Path root() {
        return root;
    }

    public Path path(String name) {
        return new Path(root, name);
    }

    public boolean exists(String name) {
        try {
            return fs.exists(path(name));
        } catch (IOException e) {
            throw new UncheckedIOException(path(name) + ": " + e.getMessage(), e);
        }
    }

    public String readText(String name) {
        try (InputStream in = fs.open(path(name))) {
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(path(name) + ": cannot read (" + e.getMessage() + ")", e);
        }
    }

    public void writeText(String name, String text) {
        write(path(name), out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** Writes {@code target} atomically: a hidden temporary file in the same directory, then a rename over it. */
    public void write(Path target, IoWriter writer) {
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
        try {
            try (FSDataOutputStream out = fs.create(tmp, true)) {
                writer.write(out);
                out.hsync();
            }
            fc.rename(tmp, target, Options.Rename.OVERWRITE);
        } catch (IOException e) {
            try {
                fs.delete(tmp, false);
            } catch (IOException ignored) {
                // the temporary name is never read; a later write replaces it
            }
            throw new UncheckedIOException(target + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    @FunctionalInterface
    public interface IoWriter {
        void write(OutputStream out) throws IOException;
    }

    public Path checkpointPath(int round) {
        return new Path(path(CHECKPOINTS), String.format("round-%08d.ckpt", round));
    }

    public Path writeCheckpoint(int round, Checkpoint c) {
        Path p = checkpointPath(round);
        write(p, c::write);
        return p;
    }

    /** Complete checkpoints (temporary files are ignored), oldest first. */
    public List<CheckpointFile> checkpoints() {
        var out = new ArrayList<CheckpointFile>();
        try {
            Path dir = path(CHECKPOINTS);
            if (!fs.exists(dir)) return out;
            for (FileStatus s : fs.listStatus(dir)) {
                Matcher m = CKPT.matcher(s.getPath().getName());
                if (m.matches()) out.add(new CheckpointFile(Integer.parseInt(m.group(1)), s.getPath()));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(path(CHECKPOINTS) + ": cannot list (" + e.getMessage() + ")", e);
        }
        out.sort(Comparator.comparingInt(CheckpointFile::round));
        return out;
    }

    /** The newest checkpoint that reads back completely; unreadable newer ones are reported and skipped. */
    public Optional<LoadedCheckpoint> newestReadable() {
        List<CheckpointFile> all = checkpoints();
        for (int i = all.size() - 1; i >= 0; i--) {
            CheckpointFile f = all.get(i);
            try (InputStream in = fs.open(f.path())) {
                return Optional.of(new LoadedCheckpoint(f, Checkpoint.read(in, f.path().toString())));
            } catch (IOException e) {
                LOG.warn("skipping unreadable checkpoint {}: {}", f.path(), e.getMessage());
            }
        }
        return Optional.empty();
    }

    public record LoadedCheckpoint(CheckpointFile file, Checkpoint checkpoint) {
    }

    public Checkpoint readCheckpoint(Path p) {
        try (InputStream in = fs.open(p)) {
            return Checkpoint.read(in, p.toString());
        } catch (IOException e) {
            throw new UncheckedIOException(e.getMessage(), e);
        }
    }

    /** Deletes all but the newest {@code keep} checkpoints. */
    public void prune(int keep) {
        List<CheckpointFile> all = checkpoints();
        for (int i = 0; i < all.size() - keep; i++) {
            try {
                fs.delete(all.get(i).path(), false);
            } catch (IOException e) {
                LOG.warn("cannot delete old checkpoint {}: {}", all.get(i).path(), e.getMessage());
            }
        }
    }
}
