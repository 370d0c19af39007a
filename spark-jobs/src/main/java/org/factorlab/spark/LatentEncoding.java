package org.factorlab.spark;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.net.URI;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.UUID;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.ImageShape;
import org.factorlab.data.Images;
import org.factorlab.data.LatentSpec;
import org.factorlab.ingest.Example;
import org.factorlab.latent.FirstStageConfig;
import org.factorlab.provenance.Digests;
import org.factorlab.provenance.Provenance;
import org.factorlab.shards.LatentShards;
import org.factorlab.shards.Manifest;
import org.factorlab.shards.ShardDataset;
import org.factorlab.train.Checkpoint;
import org.factorlab.vq.VqAutoencoder;
import org.factorlab.vq.VqConfig;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code factorlab encode-latents} as a Spark job: the first-stage checkpoint travels as one broadcast; task p of P
 * encodes rows {@code [p * r, (p + 1) * r)} of the source shards in stored order and writes them, with their images,
 * indices and factors, as latent shard p into the job's temporary directory; the driver then renames the shards into
 * place and writes the manifest last, naming the first stage's SHA-256 and the source manifest's SHA-256
 * ({@link LatentSpec}). A killed job leaves no dataset; rerunning it with the same inputs gives the same one.
 */
public final class LatentEncoding {
    private static final Logger LOG = LoggerFactory.getLogger(LatentEncoding.class);

    private LatentEncoding() {
    }

    /** What the job wrote, and how fast. */
    public record Result(Manifest manifest, URI output, long rows, double seconds) {
        public double imagesPerSecond() {
            return rows / seconds;
        }
    }

    /** One task's shard, shipped back to the driver. */
    private record ShardEntry(String file, long rows, long bytes, String sha256, String contentSha256) implements Serializable {
        Manifest.Shard toShard() {
            return new Manifest.Shard(file, rows, bytes, sha256, contentSha256);
        }
    }

    /**
     * The first stage of a checkpoint file, checked to be a {@code vqae} that takes the data's images; errors name the
     * file and the key.
     */
    public static VqAutoencoder firstStage(Checkpoint c, String ckptUri, DatasetSpec data, String dataUri) {
        VqAutoencoder vq = VqAutoencoder.fromCheckpoint(c, ckptUri);
        VqConfig.Model m = vq.config().model();
        ImageShape s = data.imageShape();
        if (s.height() != m.imageSize() || s.width() != m.imageSize() || s.channels() != m.imageChannels())
            throw new IllegalArgumentException(dataUri.replaceAll("/+$", "") + "/" + Manifest.FILE_NAME + " [imageShape]: "
                    + s.height() + "x" + s.width() + "x" + s.channels() + " images, but the first stage " + ckptUri
                    + " [model.imageSize, model.imageChannels] takes " + m.imageSize() + "x" + m.imageSize() + "x" + m.imageChannels());
        return vq;
    }

    /**
     * Encodes every row of {@code dataUri} with the first stage {@code firstStageUri} into latent shards at
     * {@code outputUri}, in {@code partitions} tasks (0: Spark's default parallelism) of {@code batchSize} images per
     * forward pass.
     */
    public static Result run(JavaSparkContext sc, String firstStageUri, String dataUri, String outputUri, int batchSize,
                             int partitions, String commandLine) {
        if (batchSize < 1) throw new IllegalArgumentException("--batch-size must be >= 1, got " + batchSize);
        Configuration conf = sc.hadoopConfiguration();
        ShardDataset ds;
        try {
            ds = ShardDataset.open(URI.create(dataUri), conf);
        } catch (IOException e) {
            throw new UncheckedIOException("--data " + dataUri + ": " + e.getMessage(), e);
        }
        if (ds.spec().hasLatent())
            throw new IllegalArgumentException("--data " + dataUri + ": already latent shards (first stage "
                    + ds.spec().latent().firstStageUri() + "); give the image shards they were made from");
        byte[] bytes;
        Checkpoint ckpt;
        try {
            bytes = ParentBytes.reader(conf).read(firstStageUri);
            ckpt = Checkpoint.read(new ByteArrayInputStream(bytes), firstStageUri);
        } catch (IOException e) {
            throw new UncheckedIOException("--first-stage " + firstStageUri + ": " + e.getMessage(), e);
        }
        VqAutoencoder vq = firstStage(ckpt, firstStageUri, ds.spec(), dataUri);
        String sha = Digests.sha256Hex(bytes);
        List<Integer> shape = java.util.Arrays.stream(vq.latentShape()).mapToInt(Math::toIntExact).boxed().toList();
        LatentSpec latent = new LatentSpec(shape, firstStageUri, sha, ds.uri().toString(), ds.manifestSha256());
        DatasetSpec spec = ds.spec().withLatent(latent);
        URI output;
        try {
            output = LatentShards.prepare(URI.create(outputUri), conf);
        } catch (IOException e) {
            throw new UncheckedIOException("--output " + outputUri + ": " + e.getMessage(), e);
        }
        long n = ds.rows();
        int parts = (int) Math.max(1, Math.min(n, partitions > 0 ? partitions : sc.defaultParallelism()));
        long rowsPerShard = -Math.floorDiv(-n, parts);
        int shards = (int) -Math.floorDiv(-n, rowsPerShard);
        String jobId = UUID.randomUUID().toString();
        String manifestSha = ds.manifestSha256();
        LOG.info("encoding {} images of {} with the first stage {} into {} latent shards of {} at {}", n, dataUri, firstStageUri, shards,
                latent.shape(), output);
        Broadcast<byte[]> shipped = sc.broadcast(bytes);
        long t0 = System.nanoTime();
        List<ShardEntry> entries;
        try {
            sc.setJobGroup("factorlab-encode-latents", "encode " + n + " images with " + firstStageUri, false);
            String outputText = output.toString(), sourceUri = latent.sourceUri();
            entries = sc.parallelize(IntStream.range(0, shards).boxed().toList(), shards)
                    .map(p -> encodeShard(p, rowsPerShard, n, dataUri, manifestSha, shipped.value(), firstStageUri, sha, sourceUri,
                            outputText, jobId, batchSize))
                    .collect();
        } finally {
            shipped.destroy();
            sc.clearJobGroup();
        }
        double sec = (System.nanoTime() - t0) / 1e9;
        List<Manifest.Shard> list = new ArrayList<>();
        for (ShardEntry e : entries) list.add(e.toShard());
        Provenance prov = Provenance.of("encode-latents", commandLine, 0, manifestSha)
                .withParents(List.of(new Provenance.Parent(FirstStageConfig.KEY, firstStageUri, sha, ckpt.model(), ckpt.provenance())));
        Manifest m;
        try {
            m = LatentShards.commit(output, jobId, spec, rowsPerShard, ds.manifest().shuffleSeed(), list, prov, conf);
        } catch (IOException e) {
            throw new UncheckedIOException("--output " + outputUri + ": " + e.getMessage(), e);
        }
        LOG.info("encoded {} images in {} s ({} images/s)", n, String.format("%.1f", sec), String.format("%.0f", n / sec));
        return new Result(m, output, n, sec);
    }

    private static ShardEntry encodeShard(int shard, long rowsPerShard, long n, String dataUri, String manifestSha, byte[] ckptBytes,
                                          String ckptUri, String ckptSha, String sourceUri, String output, String jobId, int batchSize)
            throws IOException {
        Configuration conf = DataSources.executorConf();
        ShardDataset ds = ShardDataset.open(URI.create(dataUri), conf);
        if (!ds.manifestSha256().equals(manifestSha))
            throw new IllegalStateException("dataset " + dataUri + " changed during encoding: manifest sha256 " + ds.manifestSha256()
                    + ", the driver saw " + manifestSha);
        VqAutoencoder vq = VqAutoencoder.fromCheckpoint(Checkpoint.read(new ByteArrayInputStream(ckptBytes), ckptUri), ckptUri);
        List<Integer> shape = java.util.Arrays.stream(vq.latentShape()).mapToInt(Math::toIntExact).boxed().toList();
        DatasetSpec spec = ds.spec().withLatent(new LatentSpec(shape, ckptUri, ckptSha, sourceUri, manifestSha));
        long lo = shard * rowsPerShard, hi = Math.min(n, lo + rowsPerShard);
        Iterator<Example> rows = ds.examples(ds.rowRange(lo, hi));
        Iterator<Example> latent = new Iterator<>() {
            private final List<Example> pending = new ArrayList<>();
            private int next;

            @Override
            public boolean hasNext() {
                if (next < pending.size()) return true;
                pending.clear();
                next = 0;
                while (pending.size() < batchSize && rows.hasNext()) pending.add(rows.next());
                if (pending.isEmpty()) return false;
                byte[][] images = pending.stream().map(Example::image).toArray(byte[][]::new);
                INDArray z = vq.encode(Images.toTensor(images, spec.imageShape()));
                float[] all = z.dup('c').data().asFloat();
                int per = spec.latent().size();
                for (int i = 0; i < pending.size(); i++)
                    pending.set(i, pending.get(i).withLatent(java.util.Arrays.copyOfRange(all, i * per, (i + 1) * per)));
                return true;
            }

            @Override
            public Example next() {
                if (!hasNext()) throw new NoSuchElementException();
                return pending.get(next++);
            }
        };
        Manifest.Shard s = LatentShards.writeShard(URI.create(output), jobId, shard, spec, latent, conf);
        return new ShardEntry(s.file(), s.rows(), s.bytes(), s.sha256(), s.contentSha256());
    }
}
