package org.factorlab.latent;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.cli.CliRun;
import org.factorlab.data.LatentSpec;
import org.factorlab.encdiff.EncDiffModel;
import org.factorlab.ingest.Example;
import org.factorlab.model.Families;
import org.factorlab.provenance.Digests;
import org.factorlab.shards.ShardDataset;
import org.factorlab.spark.ParentBytes;
import org.factorlab.spark.toy.ToySquares;
import org.factorlab.train.Checkpoint;
import org.factorlab.train.Trainer;
import org.factorlab.vq.VqAutoencoder;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Latent diffusion end to end on 16x16 shards, through the command line: a vqae first stage trains, encode-latents
 * writes latent shards with their lineage, a latent EncDiff trains on them and reconstruct decodes through the first
 * stage; and every bad input is one clear error naming the file and the key.
 */
class LatentDiffusionTest {
    static final String VQ = """
            model: {imageSize: 16, ch: 8, chMult: [1, 2, 2], numResBlocks: 1, nEmbed: 16, groups: 4}
            loss: {discriminator: {enabled: false}}
            train: {batchSize: 4}
            """;
    static final String VQ8 = VQ.replace("imageSize: 16", "imageSize: 8");
    static final String ENCDIFF = """
            model:
              imageSize: 16
              encoder: {channels: 8, downsamples: 4, resBlocks: 1, norm: batch}
              tokens: {kind: scalar, count: 3, dim: 8, hidden1: 8, hidden2: 8}
              unet: {modelChannels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [2], numHeads: 2, groups: 4}
            firstStage: {channels: 3, downsampling: 4}
            diffusion:
              schedule: {schedule: linear, timesteps: 100}
            optimizer: {kind: adam, lr: 1.0e-3}
            train: {batchSize: 4}
            """;

    @TempDir
    static Path tmp;
    static String images, latents;
    static Path vq, otherVq, encdiffConfig;

    @BeforeAll
    static void firstStageAndLatentShards() throws Exception {
        images = tmp.resolve("images").toUri().toString();
        new ToySquares(16).writeShards(tmp.resolve("images").toUri(), new Configuration(), 1, 20);
        vq = trainVq("vq", VQ, 1);
        otherVq = trainVq("vq2", VQ, 2);
        encdiffConfig = tmp.resolve("encdiff.yaml");
        Files.writeString(encdiffConfig, ENCDIFF);
        latents = tmp.resolve("latents").toUri().toString();
        CliRun.Result r = CliRun.run("encode-latents", "--first-stage", vq.toString(), "--data", images, "--output", latents,
                "--master", "local[2]", "--partitions", "3", "--batch-size", "16");
        assertEquals(0, r.code(), r.err());
    }

    static Path trainVq(String name, String yaml, int steps) throws Exception {
        Path config = tmp.resolve(name + ".yaml");
        Files.writeString(config, yaml);
        Path run = tmp.resolve(name);
        CliRun.Result r = CliRun.run("train", "--model", "vqae", "--config", config.toString(), "--data", images, "--run-dir", run.toString(),
                "--steps", Integer.toString(steps));
        assertEquals(0, r.code(), r.err());
        List<Path> ckpts = Trainer.checkpoints(run);
        return ckpts.get(ckpts.size() - 1);
    }

    @Test
    void latentShardsKeepEveryRowAndNameTheirLineage() throws Exception {
        Configuration conf = new Configuration();
        ShardDataset src = ShardDataset.open(URI.create(images), conf), lat = ShardDataset.open(URI.create(latents), conf);
        LatentSpec l = lat.spec().latent();
        assertEquals(List.of(3, 4, 4), l.shape());
        assertEquals(Digests.sha256Hex(Files.readAllBytes(vq)), l.firstStageSha256());
        assertEquals(src.manifestSha256(), l.sourceManifestSha256());
        assertEquals(Digests.sha256Hex(Files.readAllBytes(Path.of(URI.create(images)).resolve("_manifest.json"))), l.sourceManifestSha256());
        assertEquals(3, lat.shardCount());
        assertEquals(src.spec().withLatent(l), lat.spec());
        assertEquals(1, lat.manifest().provenance().parents().size(), "the first stage is the manifest's parent");
        lat.verifyContent();
        VqAutoencoder fs = VqAutoencoder.fromCheckpoint(Checkpoint.read(new ByteArrayInputStream(Files.readAllBytes(vq)), vq.toString()), "vq");
        Iterator<Example> a = src.examples(src.all()), b = lat.examples(lat.all());
        List<byte[]> imgs = new ArrayList<>();
        List<float[]> zs = new ArrayList<>();
        while (a.hasNext()) {
            Example x = a.next(), y = b.next();
            assertEquals(x.index(), y.index(), "same rows in the same order");
            assertArrayEquals(x.image(), y.image());
            assertArrayEquals(x.factors(), y.factors());
            imgs.add(y.image());
            zs.add(y.latent());
        }
        assertFalse(b.hasNext());
        INDArray want = fs.encode(org.factorlab.data.Images.toTensor(imgs.toArray(byte[][]::new), src.spec().imageShape()));
        for (int i = 0; i < zs.size(); i++)
            assertArrayEquals(want.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)).dup('c').data().asFloat(), zs.get(i), 1e-5f, "row " + i + "'s latent is the first stage's encoding");
        // batches carry the latent column
        try (var batches = lat.batches(5, 0)) {
            assertArrayEquals(new long[]{5, 3, 4, 4}, batches.next().latents().shape());
        }
        // the same job again leaves the dataset as it is
        String before = lat.manifestSha256();
        assertEquals(0, CliRun.run("encode-latents", "--first-stage", vq.toString(), "--data", images, "--output", latents,
                "--master", "local[1]", "--partitions", "3").code());
        assertEquals(before, ShardDataset.open(URI.create(latents), conf).manifestSha256());
    }

    @Test
    void latentEncDiffTrainsAndReconstructDecodesThroughTheFirstStage() throws Exception {
        Path run = tmp.resolve("encdiff");
        CliRun.Result r = CliRun.run("train", "--model", "encdiff", "--config", encdiffConfig.toString(), "--set",
                "firstStage.checkpoint=" + vq, "--data", latents, "--run-dir", run.toString(), "--steps", "2");
        assertEquals(0, r.code(), r.err());
        Path ckpt = Trainer.checkpoints(run).get(Trainer.checkpoints(run).size() - 1);
        Checkpoint c = Checkpoint.read(new ByteArrayInputStream(Files.readAllBytes(ckpt)), ckpt.toString());
        assertEquals(List.of("firstStage.checkpoint"), c.provenance().parents().stream().map(p -> p.key()).toList());
        assertEquals(Digests.sha256Hex(Files.readAllBytes(vq)), c.provenance().parents().get(0).sha256());
        EncDiffModel m = (EncDiffModel) Families.load(c, ckpt.toString(), ParentBytes.reader(new Configuration()));
        assertTrue(m.firstStage().isPresent());
        assertArrayEquals(new long[]{2, 3, 4, 4}, m.noise(2, 0).shape(), "DDIM runs on the 4x4x3 latent");
        INDArray x = ShardDataset.open(URI.create(latents), new Configuration()).scan(
                ShardDataset.open(URI.create(latents), new Configuration()).rowRange(0, 2), 2).next().batch().images();
        var o = new org.factorlab.model.Decoding.Options(org.factorlab.diffusion.DdimConfig.of(2, 0), org.factorlab.model.Decoding.Start.NOISE, 0);
        INDArray rec = m.reconstruct(x, o);
        assertArrayEquals(new long[]{2, 3, 16, 16}, rec.shape());
        // decoding ends in the first stage's decoder: its output is a fixed point of quantise-decode of the same latent
        INDArray z = new org.factorlab.diffusion.DdimSampler(m.diffusion(), o.ddim()).sample(m.denoiser(m.tokens(x)), m.noise(2, 0),
                new org.factorlab.diffusion.SeededNoise(0));
        VqAutoencoder fs = (VqAutoencoder) m.firstStage().get();
        assertArrayEquals(fs.decode(z, true).data().asFloat(), rec.data().asFloat(), 1e-5f);

        Path png = tmp.resolve("rec.png");
        r = CliRun.run("reconstruct", "--checkpoint", ckpt.toString(), "--data", latents, "--output", png.toString(), "--n", "2",
                "--steps", "2", "--scale", "2");
        assertEquals(0, r.code(), r.err());
        BufferedImage img = ImageIO.read(png.toFile());
        assertEquals(16 + 4 * (32 + 2) + 2, img.getHeight(), "rows: input, first stage, from noise, from inverted x_T");
        assertTrue(r.out().contains("first stage"), r.out());

        Path eval = tmp.resolve("eval");
        r = CliRun.run("evaluate", "--model", ckpt.toString(), "--data", latents, "--metrics", "mig", "--reconstruction",
                "--reconstruction-images", "4", "--reconstruction-steps", "2", "--output", eval.toString(), "--spark-master", "local[1]");
        assertEquals(0, r.code(), r.err());
        var json = new com.fasterxml.jackson.databind.ObjectMapper().readTree(eval.resolve("metrics.json").toFile());
        var rec4 = json.path("runs").get(0).path("reconstruction");
        assertEquals(4, rec4.path("images").asInt());
        assertTrue(rec4.path("ssim").isNumber() && rec4.path("mse").isNumber() && rec4.path("firstStageSsim").isNumber(), rec4.toString());
        assertTrue(Files.readString(eval.resolve("metrics.md")).contains("## Reconstruction"));
    }

    static final String DDPM = """
            model:
              imageSize: 16
              unet: {modelChannels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [], numHeads: 2, groups: 4}
            firstStage: {required: true}
            diffusion: {schedule: {schedule: linear, timesteps: 100}}
            optimizer: {lr: 1.0e-3, warmupSteps: 0}
            train: {batchSize: 4}
            """;
    static final String DISDIFF = """
            model:
              imageSize: 16
              unet: {modelChannels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [], numHeads: 2, groups: 4}
              encoder: {channels: 8, downsamples: 2, resBlocks: 1, outDim: 12}
              latentUnit: 3
              unitDim: 4
            firstStage: {required: true}
            diffusion: {schedule: {schedule: linear, timesteps: 100}}
            optimizer: {lr: 1.0e-3, warmupSteps: 0}
            train: {batchSize: 4}
            """;

    @Test
    void latentDdpmAndLatentDisDiffTrainOnTheSameFirstStage() throws Exception {
        Path ddpmCfg = tmp.resolve("ddpm.yaml"), disCfg = tmp.resolve("disdiff.yaml");
        Files.writeString(ddpmCfg, DDPM);
        Files.writeString(disCfg, DISDIFF);
        Path ddpmRun = tmp.resolve("ddpm");
        // the parent encodes its latents on the fly from image shards (the official code's way)
        CliRun.Result r = CliRun.run("train", "--model", "ddpm", "--config", ddpmCfg.toString(), "--set", "firstStage.checkpoint=" + vq,
                "--set", "firstStage.latents=encode", "--data", images, "--run-dir", ddpmRun.toString(), "--steps", "1");
        assertEquals(0, r.code(), r.err());
        Path parent = Trainer.checkpoints(ddpmRun).get(0);
        Path run = tmp.resolve("disdiff");
        r = CliRun.run("train", "--model", "disdiff", "--config", disCfg.toString(), "--set", "firstStage.checkpoint=" + vq,
                "--set", "pretrained.checkpoint=" + parent, "--data", latents, "--run-dir", run.toString(), "--steps", "2");
        assertEquals(0, r.code(), r.err());
        Path ckpt = Trainer.checkpoints(run).get(Trainer.checkpoints(run).size() - 1);
        Checkpoint c = Checkpoint.read(new ByteArrayInputStream(Files.readAllBytes(ckpt)), ckpt.toString());
        assertEquals(List.of("pretrained.checkpoint", "firstStage.checkpoint"), c.provenance().parents().stream().map(p -> p.key()).toList());
        var m = Families.load(c, ckpt.toString(), ParentBytes.reader(new Configuration()));
        INDArray x = ShardDataset.open(URI.create(latents), new Configuration()).scan(
                ShardDataset.open(URI.create(latents), new Configuration()).rowRange(0, 2), 2).next().batch().images();
        var o = new org.factorlab.model.Decoding.Options(org.factorlab.diffusion.DdimConfig.of(2, 0), org.factorlab.model.Decoding.Start.INVERTED, 0);
        assertArrayEquals(new long[]{2, 3, 16, 16}, m.decoding().get().reconstruct(x, o).shape(), "decoded through the first stage");
        assertArrayEquals(new long[]{3, 2, 3, 16, 16}, m.partialConditioning().get().partial(x, o).shape());
        // a DisDiff whose first stage is not its parent's
        r = CliRun.run("train", "--model", "disdiff", "--config", disCfg.toString(), "--set", "firstStage.checkpoint=" + otherVq,
                "--set", "firstStage.latents=encode", "--set", "pretrained.checkpoint=" + parent, "--data", images,
                "--run-dir", tmp.resolve("bad-dis").toString(), "--steps", "1");
        assertError(r, "pretrained.checkpoint", parent.toString(), "firstStage.checkpoint");
    }

    @Test
    void badInputsAreOneClearErrorNamingTheFileAndTheKey() throws Exception {
        // a first stage of another family
        Path notVq = tmp.resolve("encdiff-ckpt");
        CliRun.Result r = CliRun.run("train", "--model", "encdiff", "--config", encdiffConfig.toString(), "--data", images,
                "--run-dir", notVq.toString(), "--steps", "1");
        assertEquals(0, r.code(), r.err());
        Path ed = Trainer.checkpoints(notVq).get(0);
        r = CliRun.run("encode-latents", "--first-stage", ed.toString(), "--data", images, "--output", tmp.resolve("bad1").toUri().toString(),
                "--master", "local[1]");
        assertError(r, ed.toString(), "[model]", "'encdiff'");
        r = CliRun.run("train", "--model", "encdiff", "--config", encdiffConfig.toString(), "--set", "firstStage.checkpoint=" + ed,
                "--data", latents, "--run-dir", tmp.resolve("bad-run").toString(), "--steps", "1");
        assertError(r, "firstStage.checkpoint", ed.toString(), "'encdiff'");
        // an image size the first stage cannot take
        Path vq8 = untrained(VQ8);
        r = CliRun.run("encode-latents", "--first-stage", vq8.toString(), "--data", images, "--output", tmp.resolve("bad2").toUri().toString(),
                "--master", "local[1]");
        assertError(r, "_manifest.json [imageShape]", "16x16x3", vq8.toString(), "model.imageSize");
        // latent shards from another first stage
        r = CliRun.run("train", "--model", "encdiff", "--config", encdiffConfig.toString(), "--set", "firstStage.checkpoint=" + otherVq,
                "--data", latents, "--run-dir", tmp.resolve("bad3").toString(), "--steps", "1");
        assertError(r, "_manifest.json [latent.firstStageSha256]", vq.toString(), otherVq.toString());
        // shards without the latent column
        r = CliRun.run("train", "--model", "encdiff", "--config", encdiffConfig.toString(), "--set", "firstStage.checkpoint=" + vq,
                "--data", images, "--run-dir", tmp.resolve("bad4").toString(), "--steps", "1");
        assertError(r, "images/_manifest.json [latent]", "encode-latents");
        for (String bad : List.of("bad1", "bad2")) assertFalse(Files.exists(tmp.resolve(bad).resolve("_manifest.json")), bad);
    }

    /** A vqae checkpoint at its initial parameters. */
    static Path untrained(String yaml) throws Exception {
        var family = Families.get("vqae");
        String eff = family.effectiveConfig(yaml, List.of(), "vq8.yaml");
        try (var session = family.open(eff, 0)) {
            Path out = tmp.resolve("vq8.zip");
            Files.write(out, new Checkpoint("vqae", session.state(), java.util.Map.of(),
                    org.factorlab.provenance.Provenance.of("vqae", eff, 0, null)).toBytes());
            return out;
        }
    }

    private static void assertError(CliRun.Result r, String... parts) {
        assertEquals(1, r.code(), r.out());
        String first = r.err().lines().findFirst().orElse("");
        for (String p : parts) assertTrue(first.contains(p), "'" + p + "' missing from: " + first);
    }
}
