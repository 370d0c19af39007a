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
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
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
 * history.csv          one line per round (loss, throughput, timings, norms): a view, rewritten every round
 * checkpoints/round-NNNNNNNN.ckpt   the state after NNNNNNNN rounds (last K kept)
 * checkpoints/round-NNNNNNNN.history.csv   the history of rounds 1..NNNNNNNN, written just before that checkpoint
 * result.json          written when the run completes
 * </pre>
 * Replacing a file is atomic at every crash point ({@link AtomicReplace}). A resumed run takes its history from the
 * checkpoint's own history file, never from {@code history.csv}, and then rewrites the view.
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

    public RunDirectory(String uri, Configuration conf) {
        try {
            this.root = new Path(URI.create(uri));
            this.fs = root.getFileSystem(conf);
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

    /**
     * Writes {@code target} atomically: a hidden temporary file in the same directory, then one atomic rename over
     * it ({@link AtomicReplace}), so a crash leaves the old or the new version, never neither or a checksum mismatch.
     */
    public void write(Path target, IoWriter writer) {
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp");
        FileSystem out0 = AtomicReplace.writer(fs);
        try {
            try (FSDataOutputStream out = out0.create(tmp, true)) {
                writer.write(out);
                out.hsync();
            }
            AtomicReplace.replace(fs, tmp, target);
        } catch (IOException e) {
            try {
                out0.delete(tmp, false);
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

    /** The history of rounds 1..{@code round}, kept beside that round's checkpoint. */
    public Path checkpointHistoryPath(int round) {
        return new Path(path(CHECKPOINTS), String.format("round-%08d.history.csv", round));
    }

    public Path writeCheckpoint(int round, Checkpoint c) {
        Path p = checkpointPath(round);
        write(p, c::write);
        return p;
    }

    /**
     * Writes the history of rounds 1..{@code round} ({@code historyCsv}), then the checkpoint: whenever the checkpoint
     * exists, so does its history.
     */
    public Path writeCheckpoint(int round, Checkpoint c, String historyCsv) {
        writeText(checkpointHistoryPath(round), historyCsv);
        return writeCheckpoint(round, c);
    }

    private void writeText(Path target, String text) {
        write(target, out -> out.write(text.getBytes(StandardCharsets.UTF_8)));
    }

    /** The text of the history kept beside checkpoint {@code round}, or empty if there is none (an older run). */
    public Optional<String> checkpointHistory(int round) {
        Path p = checkpointHistoryPath(round);
        try {
            if (!fs.exists(p)) return Optional.empty();
            try (InputStream in = fs.open(p)) {
                return Optional.of(new String(in.readAllBytes(), StandardCharsets.UTF_8));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(p + ": cannot read (" + e.getMessage() + ")", e);
        }
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
        return newestReadable(new ArrayList<>());
    }

    private Optional<LoadedCheckpoint> newestReadable(List<String> problems) {
        List<CheckpointFile> all = checkpoints();
        for (int i = all.size() - 1; i >= 0; i--) {
            CheckpointFile f = all.get(i);
            try (InputStream in = fs.open(f.path())) {
                return Optional.of(new LoadedCheckpoint(f, Checkpoint.read(in, f.path().toString())));
            } catch (IOException | RuntimeException e) {
                LOG.warn("skipping unreadable checkpoint {}: {}", f.path(), e.getMessage());
                problems.add(f.path() + " (" + e.getMessage() + ")");
            }
        }
        return Optional.empty();
    }

    /**
     * Where {@code --resume} continues: the newest readable checkpoint, or empty when there are no checkpoints at
     * all. Checkpoints that exist but none of which reads back are an error naming each of them: silently starting
     * over would throw the run away. Unreadable checkpoints newer than the one returned are renamed to
     * {@code *.unreadable} (kept for inspection), so that the rounds they held are written afresh and pruning never
     * counts them.
     */
    public Optional<LoadedCheckpoint> resumePoint() {
        List<String> problems = new ArrayList<>();
        Optional<LoadedCheckpoint> found = newestReadable(problems);
        if (found.isEmpty() && !problems.isEmpty())
            throw new IllegalStateException("--resume: " + root + " has " + problems.size() + " checkpoint(s) and none is readable: "
                    + String.join("; ", problems) + ". Pass --restart to discard the run and start over at round 0.");
        found.ifPresent(c -> {
            for (CheckpointFile f : checkpoints())
                if (f.round() > c.file().round()) {
                    Path aside = new Path(f.path().getParent(), f.path().getName() + ".unreadable");
                    try {
                        if (fs.exists(aside)) fs.delete(aside, false);
                        if (fs.rename(f.path(), aside)) LOG.warn("set aside unreadable checkpoint {} as {}", f.path(), aside);
                    } catch (IOException e) {
                        throw new UncheckedIOException(f.path() + ": cannot rename the unreadable checkpoint aside (" + e.getMessage() + ")", e);
                    }
                }
        });
        return found;
    }

    /**
     * {@code --restart}: removes the previous run (job, provenance, config, history, checkpoints, result) so that the
     * directory holds no run; other files are left alone.
     */
    public void discardRun() {
        try {
            for (String name : List.of(JOB, RESULT, HISTORY, PROVENANCE, CONFIG, CHECKPOINTS)) {
                Path p = path(name);
                if (fs.exists(p) && !fs.delete(p, true)) throw new IOException("cannot delete " + p);
            }
        } catch (IOException e) {
            throw new UncheckedIOException(root + ": cannot discard the previous run (" + e.getMessage() + ")", e);
        }
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
                Path history = checkpointHistoryPath(all.get(i).round());
                if (fs.exists(history)) fs.delete(history, false);
            } catch (IOException e) {
                LOG.warn("cannot delete old checkpoint {}: {}", all.get(i).path(), e.getMessage());
            }
        }
    }
}
