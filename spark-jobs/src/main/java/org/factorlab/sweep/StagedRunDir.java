package org.factorlab.sweep;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.util.HashSet;
import java.util.Set;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.factorlab.spark.AtomicReplace;
import org.factorlab.train.Trainer;

/**
 * A point's run directory on a non-local Hadoop FileSystem (HDFS, S3, ...), trained in a local directory: before
 * training the newest checkpoint and loss.csv come down; while training, {@link #upload} copies new checkpoints up
 * (each under a temporary name, then renamed), removes the ones the trainer has pruned, then copies loss.csv and
 * train.log. Checkpoints go up before loss.csv, so the remote loss.csv always covers the remote newest checkpoint, and
 * a retried or resumed point continues from what reached the FileSystem.
 */
final class StagedRunDir {
    static final String TRAIN_LOG = "train.log";
    private final FileSystem fs;
    private final Path remote;
    private final java.nio.file.Path local;
    private final Set<String> uploaded = new HashSet<>();

    StagedRunDir(FileSystem fs, Path remote, java.nio.file.Path local) {
        this.fs = fs;
        this.remote = remote;
        this.local = local;
    }

    /** Brings the newest remote checkpoint, loss.csv and train.log into the local directory (replacing older local state). */
    void download() throws IOException {
        Files.createDirectories(local);
        for (java.nio.file.Path p : Trainer.checkpoints(local)) Files.delete(p);
        if (!fs.exists(remote)) return;
        String newest = null;
        for (FileStatus s : fs.listStatus(remote)) {
            String name = s.getPath().getName();
            if (name.matches("ckpt-\\d{9}\\.zip") && (newest == null || name.compareTo(newest) > 0)) newest = name;
        }
        if (newest != null) {
            copyDown(newest);
            uploaded.add(newest);
        }
        for (String f : new String[]{Trainer.LOSS_CSV, TRAIN_LOG}) if (fs.exists(new Path(remote, f))) copyDown(f);
    }

    private void copyDown(String name) throws IOException {
        java.nio.file.Path tmp = local.resolve(name + ".download");
        try (InputStream in = fs.open(new Path(remote, name))) {
            Files.copy(in, tmp, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        }
        Files.move(tmp, local.resolve(name), java.nio.file.StandardCopyOption.REPLACE_EXISTING, java.nio.file.StandardCopyOption.ATOMIC_MOVE);
    }

    /** Mirrors the local checkpoints, then loss.csv and train.log, to the remote directory. */
    synchronized void upload() throws IOException {
        fs.mkdirs(remote);
        Set<String> present = new HashSet<>();
        for (java.nio.file.Path p : Trainer.checkpoints(local)) {
            String name = p.getFileName().toString();
            present.add(name);
            if (uploaded.contains(name)) continue;
            try {
                copyUp(p, name);
                uploaded.add(name);
            } catch (NoSuchFileException gone) {
                present.remove(name); // pruned by the trainer meanwhile
            }
        }
        for (String name : Set.copyOf(uploaded))
            if (!present.contains(name)) {
                fs.delete(new Path(remote, name), false);
                uploaded.remove(name);
            }
        for (String f : new String[]{Trainer.LOSS_CSV, Trainer.LOSS_PNG, TRAIN_LOG})
            if (Files.exists(local.resolve(f))) copyUp(local.resolve(f), f);
    }

    private void copyUp(java.nio.file.Path file, String name) throws IOException {
        FileSystem w = AtomicReplace.writer(fs);
        Path tmp = new Path(remote, "." + name + ".tmp");
        try (InputStream in = Files.newInputStream(file); OutputStream out = w.create(tmp, true)) {
            in.transferTo(out);
        }
        AtomicReplace.replace(fs, tmp, new Path(remote, name));
    }

    /** Uploads every {@code seconds} on a daemon thread until closed; closing uploads once more. */
    AutoCloseable mirrorEvery(double seconds) {
        var ex = java.util.concurrent.Executors.newSingleThreadScheduledExecutor(r -> {
            Thread t = new Thread(r, "factorlab-sweep-mirror");
            t.setDaemon(true);
            return t;
        });
        long ms = Math.max(100, (long) (seconds * 1000));
        ex.scheduleWithFixedDelay(() -> {
            try {
                upload();
            } catch (IOException | RuntimeException e) {
                org.slf4j.LoggerFactory.getLogger(StagedRunDir.class).warn("mirroring {} to {}: {}", local, remote, e.getMessage());
            }
        }, ms, ms, java.util.concurrent.TimeUnit.MILLISECONDS);
        return () -> {
            ex.shutdown();
            try {
                ex.awaitTermination(30, java.util.concurrent.TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            try {
                upload();
            } catch (IOException e) {
                throw new UncheckedIOException(remote + ": cannot upload the point's checkpoints (" + e.getMessage() + ")", e);
            }
        };
    }
}
