package org.factorlab.evaluate;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Locale;
import java.util.stream.IntStream;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.factorlab.diffusion.DdimConfig;
import org.factorlab.metrics.Reconstruction;
import org.factorlab.model.Decoding;
import org.factorlab.model.Families;
import org.factorlab.model.TrainedModel;
import org.factorlab.shards.ShardDataset;
import org.factorlab.spark.DataSources;
import org.factorlab.spark.ParentBytes;
import org.factorlab.train.Checkpoint;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code evaluate --reconstruction}: SSIM and MSE ({@link Reconstruction}) of a model's reconstructions from its code
 * and of its first stage alone, on the first N rows of the data in stored order (shuffled when written), computed in
 * Spark tasks: each task loads the model (with its parents) from the broadcast checkpoint and scores its share of the
 * rows; the driver averages per image.
 */
public final class ReconstructionStage {
    private static final Logger LOG = LoggerFactory.getLogger(ReconstructionStage.class);

    private ReconstructionStage() {
    }

    /** How to reconstruct: images, batch size, diffusion decoders' start and DDIM steps, seed. */
    public record Settings(int images, int batchSize, Decoding.Start start, int ddimSteps, long seed) implements Serializable {
        public Settings {
            if (images < 1) throw new IllegalArgumentException("--reconstruction-images must be >= 1, got " + images);
            if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
            if (ddimSteps < 1) throw new IllegalArgumentException("--reconstruction-steps must be >= 1, got " + ddimSteps);
        }
    }

    /** Per-task sums: SSIM and MSE summed over images, for the model and for its first stage (NaN when it has none). */
    private record Sums(double ssim, double mse, double fsSsim, double fsMse, int images) implements Serializable {
    }

    public static ReconstructionScore measure(JavaSparkContext sc, ModelEncoding.LoadedModel model, String dataUri, Settings s,
                                              int partitions) {
        ShardDataset ds;
        try {
            ds = ShardDataset.open(URI.create(dataUri), sc.hadoopConfiguration());
        } catch (IOException e) {
            throw new UncheckedIOException("--data " + dataUri + ": " + e.getMessage(), e);
        }
        int n = (int) Math.min(s.images(), ds.rows());
        // load once on the driver: a model without a decoder fails here with what it lacks
        TrainedModel probe = Families.load(model.checkpoint(), model.path(), ParentBytes.reader(sc.hadoopConfiguration()));
        Decoding dec = probe.decoding().orElseThrow(() -> probe.lacks("decoder (evaluate --reconstruction needs one)"));
        boolean diffusion = dec.reverseDiffusion();
        int parts = (int) Math.max(1, Math.min(n, partitions > 0 ? partitions : sc.defaultParallelism()));
        String manifest = ds.manifestSha256(), path = model.path();
        Broadcast<byte[]> ckpt = sc.broadcast(model.bytes());
        long t0 = System.nanoTime();
        List<Sums> sums;
        try {
            sc.setJobGroup("factorlab-reconstruction", "reconstruct " + n + " images with " + path, false);
            sums = sc.parallelize(IntStream.range(0, parts).boxed().toList(), parts)
                    .map(p -> part(p, parts, n, dataUri, manifest, ckpt.value(), path, s)).collect();
        } finally {
            ckpt.destroy();
            sc.clearJobGroup();
        }
        double ssim = 0, mse = 0, fs = 0, fm = 0;
        int count = 0;
        for (Sums x : sums) {
            ssim += x.ssim();
            mse += x.mse();
            fs += x.fsSsim();
            fm += x.fsMse();
            count += x.images();
        }
        boolean hasFs = !Double.isNaN(fs);
        ReconstructionScore r = new ReconstructionScore(ssim / count, mse / count, hasFs ? fs / count : null, hasFs ? fm / count : null,
                count, diffusion ? s.start().name().toLowerCase(Locale.ROOT) : null, diffusion ? s.ddimSteps() : 0);
        LOG.info("reconstruction of {} images with {}: SSIM {} MSE {}{} ({} s)", count, path, String.format(Locale.ROOT, "%.4f", r.ssim()),
                String.format(Locale.ROOT, "%.3g", r.mse()), hasFs ? String.format(Locale.ROOT, "; first stage SSIM %.4f MSE %.3g",
                        r.firstStageSsim(), r.firstStageMse()) : "", String.format(Locale.ROOT, "%.1f", (System.nanoTime() - t0) / 1e9));
        return r;
    }

    private static Sums part(int p, int parts, int n, String dataUri, String manifest, byte[] ckptBytes, String path, Settings s)
            throws IOException {
        ShardDataset ds = ShardDataset.open(URI.create(dataUri), DataSources.executorConf());
        if (!ds.manifestSha256().equals(manifest))
            throw new IllegalStateException("dataset " + dataUri + " changed during evaluation: manifest sha256 " + ds.manifestSha256()
                    + ", the driver saw " + manifest);
        TrainedModel m = Families.load(Checkpoint.read(new ByteArrayInputStream(ckptBytes), path), path,
                ParentBytes.reader(DataSources.executorConf()));
        Decoding dec = m.decoding().orElseThrow(() -> m.lacks("decoder"));
        Decoding firstStage = m.firstStage().orElse(m.family().equals(org.factorlab.vq.VqFamily.NAME) ? dec : null);
        Decoding.Options o = new Decoding.Options(DdimConfig.of(s.ddimSteps(), 0), s.start(), s.seed());
        long lo = (long) p * n / parts, hi = (long) (p + 1) * n / parts;
        double ssim = 0, mse = 0, fs = firstStage == null ? Double.NaN : 0, fm = firstStage == null ? Double.NaN : 0;
        int count = 0;
        for (Iterator<ShardDataset.IndexedBatch> it = ds.scan(ds.rowRange(lo, hi), s.batchSize()); it.hasNext(); ) {
            INDArray x = it.next().batch().images();
            int b = (int) x.size(0);
            Reconstruction.Result r = Reconstruction.of(x, dec.reconstruct(x, o));
            ssim += r.ssim() * b;
            mse += r.mse() * b;
            if (firstStage != null) {
                Reconstruction.Result f = firstStage == dec ? r : Reconstruction.of(x, firstStage.reconstruct(x, o));
                fs += f.ssim() * b;
                fm += f.mse() * b;
            }
            count += b;
        }
        return new Sums(ssim, mse, fs, fm, count);
    }
}
