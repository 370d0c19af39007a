package org.factorlab.evaluate;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.Iterator;
import java.util.List;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.factorlab.metrics.CodesAndFactors;
import org.factorlab.metrics.UnitPca;
import org.factorlab.model.Families;
import org.factorlab.model.RepresentationEncoder;
import org.factorlab.shards.ShardDataset;
import org.factorlab.spark.RunDirectory;
import org.factorlab.train.Checkpoint;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Encodes every image of a shard data set with a trained model, in parallel on Spark: the checkpoint travels as one
 * broadcast, each task opens the model's {@link RepresentationEncoder} (looked up by the checkpoint's model name via
 * {@link Encoders}) and encodes its equal share of rows ({@link ShardDataset#rowPartition}) in batches; the driver
 * gathers the codes with each row's factor classes and puts them in canonical row order.
 */
public final class ModelEncoding {
    private static final Logger LOG = LoggerFactory.getLogger(ModelEncoding.class);

    private ModelEncoding() {
    }

    /** A checkpoint read from a file: where it is, its bytes' SHA-256, the bytes and the parsed checkpoint. */
    public record LoadedModel(String path, String sha256, byte[] bytes, Checkpoint checkpoint, String runDir) {
    }

    /**
     * Reads {@code uri}: a checkpoint file, or a run directory (then its newest checkpoint that reads back completely;
     * unreadable newer ones are skipped with a warning).
     */
    public static LoadedModel load(String uri, Configuration conf) {
        Path p = new Path(uri);
        try {
            FileSystem fs = p.getFileSystem(conf);
            if (!fs.exists(p)) throw new IllegalArgumentException("--model " + uri + ": does not exist");
            if (!fs.getFileStatus(p).isDirectory()) return read(fs, p, null);
            RunDirectory dir = new RunDirectory(uri, conf);
            List<RunDirectory.CheckpointFile> all = dir.checkpoints();
            for (int i = all.size() - 1; i >= 0; i--) {
                try {
                    return read(fs, all.get(i).path(), p.toString());
                } catch (IllegalArgumentException e) {
                    LOG.warn("skipping unreadable checkpoint {}: {}", all.get(i).path(), e.getMessage());
                }
            }
            throw new IllegalArgumentException("--model " + uri + ": run directory holds no complete checkpoint (looked in "
                    + dir.path(RunDirectory.CHECKPOINTS) + ")");
        } catch (IOException e) {
            throw new UncheckedIOException("--model " + uri + ": " + e.getMessage(), e);
        }
    }

    private static LoadedModel read(FileSystem fs, Path p, String runDir) throws IOException {
        byte[] bytes;
        try (InputStream in = fs.open(p)) {
            bytes = in.readAllBytes();
        }
        try {
            Checkpoint c = Checkpoint.read(new ByteArrayInputStream(bytes), p.toString());
            return new LoadedModel(p.toString(), HexFormat.of().formatHex(org.factorlab.provenance.Digests.sha256().digest(bytes)), bytes, c, runDir);
        } catch (IOException e) {
            throw new IllegalArgumentException(e.getMessage(), e);
        }
    }

    /** One batch's results: canonical row indices, codes and factor classes. */
    private record Chunk(long[] indices, float[][] codes, int[][] factors) implements Serializable {
    }

    /**
     * Encodes all of {@code dataUri} with {@code model} in {@code partitions} Spark tasks (0: the default
     * parallelism) of {@code batchSize} images per forward pass, and returns the run to score.
     */
    public static EvaluationRun encode(JavaSparkContext sc, String runId, LoadedModel model, String dataUri, int batchSize,
                                       int partitions) {
        if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        ShardDataset ds;
        try {
            ds = ShardDataset.open(URI.create(dataUri), sc.hadoopConfiguration());
        } catch (IOException e) {
            throw new UncheckedIOException("--data " + dataUri + ": " + e.getMessage(), e);
        }
        String manifest = ds.manifestSha256();
        int n = Math.toIntExact(ds.rows());
        int parts = (int) Math.max(1, Math.min(n, partitions > 0 ? partitions : sc.defaultParallelism()));
        // open once on the driver: a wrong model name or a checkpoint that does not fit fails here, not in a task
        RepresentationEncoder probe = Families.encoder(model.checkpoint(), model.path());
        int unitSize = probe.unitSize();
        LOG.info("encoding {} images of {} with {} ({} step {}) in {} tasks, batch {}", n, dataUri, model.path(),
                model.checkpoint().model(), model.checkpoint().state().step(), parts, batchSize);
        sc.setJobGroup("factorlab-encode", "encode " + n + " images with " + model.checkpoint().model() + " (" + runId + ")", false);
        Broadcast<byte[]> ckpt = sc.broadcast(model.bytes());
        String path = model.path();
        long t0 = System.nanoTime();
        List<Chunk> chunks;
        try {
            chunks = sc.parallelize(IntStream.range(0, parts).boxed().toList(), parts)
                    .mapPartitions((Iterator<Integer> it) -> {
                        var out = new ArrayList<Chunk>();
                        while (it.hasNext()) out.addAll(encodePartition(it.next(), parts, dataUri, manifest, ckpt.value(), path, batchSize));
                        return out.iterator();
                    })
                    .collect();
        } finally {
            ckpt.destroy();
            sc.clearJobGroup();
        }
        double sec = (System.nanoTime() - t0) / 1e9;
        // rows in canonical index order, so codes line up with the data set however the tasks were split
        var rows = new ArrayList<Object[]>(n);
        for (Chunk c : chunks)
            for (int i = 0; i < c.indices().length; i++) rows.add(new Object[]{c.indices()[i], c.codes()[i], c.factors()[i]});
        if (rows.size() != n)
            throw new IllegalStateException(dataUri + ": tasks encoded " + rows.size() + " images, the manifest lists " + n);
        rows.sort(java.util.Comparator.comparingLong(r -> (Long) r[0]));
        double[][] codes = new double[n][];
        int[][] factors = new int[n][];
        for (int i = 0; i < n; i++) {
            if (i > 0 && rows.get(i)[0].equals(rows.get(i - 1)[0]))
                throw new IllegalStateException(dataUri + ": row index " + rows.get(i)[0] + " encoded twice");
            float[] f = (float[]) rows.get(i)[1];
            codes[i] = new double[f.length];
            for (int j = 0; j < f.length; j++) codes[i][j] = f[j];
            factors[i] = (int[]) rows.get(i)[2];
        }
        LOG.info("encoded {} images in {} s ({} images/s)", n, String.format("%.1f", sec), String.format("%.0f", n / sec));
        CodesAndFactors data = new CodesAndFactors(codes, factors, ds.spec().factorNames());
        if (unitSize > 1) data = UnitPca.reduce(data, unitSize);
        Checkpoint c = model.checkpoint();
        var source = new ModelSource(model.path(), model.sha256(), c.model(), c.state().step(), c.provenance(), dataUri, manifest);
        return new EvaluationRun(runId, data, model.path(), model.sha256(), source);
    }

    private static List<Chunk> encodePartition(int part, int parts, String dataUri, String manifest, byte[] ckptBytes,
                                               String ckptPath, int batchSize) throws IOException {
        ShardDataset ds = ShardDataset.open(URI.create(dataUri), org.factorlab.spark.DataSources.executorConf());
        if (!ds.manifestSha256().equals(manifest))
            throw new IllegalStateException("dataset " + dataUri + " changed during evaluation: manifest sha256 "
                    + ds.manifestSha256() + ", the driver saw " + manifest);
        RepresentationEncoder enc = Families.encoder(Checkpoint.read(new ByteArrayInputStream(ckptBytes), ckptPath), ckptPath);
        var out = new ArrayList<Chunk>();
        for (Iterator<ShardDataset.IndexedBatch> it = ds.scan(ds.rowPartition(part, parts), batchSize); it.hasNext(); ) {
            ShardDataset.IndexedBatch b = it.next();
            INDArray z = enc.encode(b.batch().images());
            float[][] codes = z.castTo(DataType.FLOAT).toFloatMatrix();
            out.add(new Chunk(b.indices(), codes, b.batch().factors()));
        }
        return out;
    }
}
