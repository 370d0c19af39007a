package org.factorlab.inference;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Iterator;
import java.util.Optional;
import java.util.regex.Pattern;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileStatus;
import org.apache.hadoop.fs.FileSystem;
import org.factorlab.data.Batch;
import org.factorlab.model.Decoding;
import org.factorlab.model.Families;
import org.factorlab.model.TrainedModel;
import org.factorlab.shards.ShardDataset;
import org.factorlab.spark.RunDirectory;
import org.factorlab.train.Checkpoint;
import org.factorlab.viz.ImageGrid;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** What the picture commands share: finding and loading a checkpoint, reading images, writing a PNG atomically. */
final class Inference {
    /** Single-machine training's checkpoint names ({@link org.factorlab.train.Trainer}). */
    private static final Pattern TRAINER_CKPT = Pattern.compile("ckpt-(\\d{9})\\.zip");

    private Inference() {
    }

    /** A loaded checkpoint, its trained model, and where it came from. */
    record Loaded(String location, Checkpoint checkpoint, TrainedModel model) {
        /** The model's decoder, or the error naming what it lacks. */
        Decoding decoding() {
            return model.decoding().orElseThrow(() -> model.lacks("decoder"));
        }
    }

    static Loaded load(String location, Configuration conf) {
        org.apache.hadoop.fs.Path p = hadoopPath(location);
        try {
            FileSystem fs = p.getFileSystem(conf);
            if (!fs.exists(p)) throw new IllegalArgumentException("--checkpoint " + location + ": no such file or directory");
            org.apache.hadoop.fs.Path file = fs.getFileStatus(p).isDirectory() ? newestIn(fs, p, conf, location) : p;
            Checkpoint c;
            try (InputStream in = fs.open(file)) {
                c = Checkpoint.read(in, file.toString());
            }
            return new Loaded(file.toString(), c, Families.load(c, file.toString(), org.factorlab.spark.ParentBytes.reader(conf)));
        } catch (IOException e) {
            throw new UncheckedIOException("--checkpoint " + location + ": " + e.getMessage(), e);
        }
    }

    /** The newest checkpoint of a run directory: the Spark job's checkpoints/round-*.ckpt, or the Trainer's ckpt-*.zip. */
    private static org.apache.hadoop.fs.Path newestIn(FileSystem fs, org.apache.hadoop.fs.Path dir, Configuration conf, String location)
            throws IOException {
        RunDirectory run = new RunDirectory(dir.toUri().toString(), conf);
        var spark = run.checkpoints();
        if (!spark.isEmpty()) return spark.get(spark.size() - 1).path();
        Optional<org.apache.hadoop.fs.Path> newest = java.util.Arrays.stream(fs.listStatus(dir)).map(FileStatus::getPath)
                .filter(x -> TRAINER_CKPT.matcher(x.getName()).matches()).max(Comparator.comparing(org.apache.hadoop.fs.Path::getName));
        return newest.orElseThrow(() -> new IllegalArgumentException("--checkpoint " + location
                + ": a directory without checkpoints (neither " + RunDirectory.CHECKPOINTS + "/round-*.ckpt nor ckpt-*.zip)"));
    }

    /** Rows {@code [offset, offset + n)} of the shards in stored order (they were shuffled when written). */
    static INDArray images(String data, long offset, int n, Configuration conf) {
        return batch(data, offset, n, conf).images();
    }

    /** {@link #images} with the rows' factor classes. */
    static Batch batch(String data, long offset, int n, Configuration conf) {
        if (n < 1) throw new IllegalArgumentException("--n: must be >= 1, got " + n);
        try {
            ShardDataset ds = ShardDataset.open(toUri(data), conf);
            if (offset < 0 || offset + n > ds.rows())
                throw new IllegalArgumentException("--data " + data + ": rows [" + offset + ", " + (offset + n) + ") requested, the dataset has " + ds.rows());
            Iterator<ShardDataset.IndexedBatch> it = ds.scan(ds.rowRange(offset, offset + n), n);
            return it.next().batch();
        } catch (IOException e) {
            throw new UncheckedIOException("--data " + data + ": " + e.getMessage(), e);
        }
    }

    /** A whole labelled dataset in memory. */
    record Labelled(Batch batch, List<String> factorNames) {
    }

    /** Every image of the dataset ({@code [N, C, H, W]}) with its factor classes, in stored order. */
    static Labelled all(String data, Configuration conf) {
        try {
            ShardDataset ds = ShardDataset.open(toUri(data), conf);
            if (!ds.spec().hasFactors()) throw new IllegalArgumentException("--data " + data + ": the dataset has no factor labels");
            List<INDArray> images = new ArrayList<>();
            List<int[]> factors = new ArrayList<>();
            for (Iterator<ShardDataset.IndexedBatch> it = ds.scan(ds.all(), 1024); it.hasNext(); ) {
                Batch b = it.next().batch();
                images.add(b.images());
                factors.addAll(Arrays.asList(b.factors()));
            }
            return new Labelled(new Batch(Nd4j.concat(0, images.toArray(INDArray[]::new)), factors.toArray(int[][]::new)),
                    ds.spec().factorNames());
        } catch (IOException e) {
            throw new UncheckedIOException("--data " + data + ": " + e.getMessage(), e);
        }
    }

    /** Writes the grid to a temporary name beside {@code output}, then renames it; returns the final path. */
    static Path write(ImageGrid grid, String output) {
        Path out = Path.of(output).toAbsolutePath();
        try {
            if (out.getParent() != null) Files.createDirectories(out.getParent());
            Path tmp = out.resolveSibling("." + out.getFileName() + ".tmp");
            try (OutputStream os = Files.newOutputStream(tmp)) {
                grid.writePng(os);
            }
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException("--output " + output + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    /** The path beside a PNG for a table about it: {@code swaps.png} + {@code factor-changes.csv} -> {@code swaps.factor-changes.csv}. */
    static Path besidePng(Path png, String suffix) {
        return png.resolveSibling(png.getFileName().toString().replaceFirst("\\.png$", "") + "." + suffix);
    }

    /** Writes text to a temporary name beside {@code out}, then renames it. */
    static void writeText(String text, Path out) {
        try {
            Path tmp = out.resolveSibling("." + out.getFileName() + ".tmp");
            Files.writeString(tmp, text);
            Files.move(tmp, out, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            throw new UncheckedIOException(out + ": cannot write (" + e.getMessage() + ")", e);
        }
    }

    static URI toUri(String location) {
        return location.contains("://") || location.startsWith("file:") ? URI.create(location) : Path.of(location).toAbsolutePath().toUri();
    }

    private static org.apache.hadoop.fs.Path hadoopPath(String location) {
        return new org.apache.hadoop.fs.Path(toUri(location));
    }

    /** {@code [C, H, W]} of image {@code i}. */
    static INDArray image(INDArray batch, long i) {
        return batch.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i));
    }
}
