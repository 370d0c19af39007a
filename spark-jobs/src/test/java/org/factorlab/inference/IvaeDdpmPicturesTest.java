package org.factorlab.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.cli.CliRun;
import org.factorlab.spark.toy.ToySquares;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A model with two decoders through the generic picture commands: a tiny {@code ivae-ddpm} trained by
 * {@code factorlab train}, whose traversals come out with an iVAE-decoder block and a DDPM block side by side, whose
 * reconstructions have rows of both, and whose {@code --decoder} picks one.
 */
class IvaeDdpmPicturesTest {
    static final String TINY = """
            model:
              imageSize: 32
              latents: 4
              unet: {modelChannels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [], numHeads: 2, groups: 4}
            ivae: {priorHidden: 8}
            diffusion:
              schedule: {timesteps: 100}
            train: {batchSize: 2}
            """;
    /** ImageGrid geometry: 90 px of row labels, 16 px of column labels, 2 px padding, 32 px cells at --scale 1. */
    static final int LEFT = 90, TOP = 16, CELL = 32 + 2;

    @TempDir
    static Path tmp;
    static Path runDir;
    static String data;

    @BeforeAll
    static void train() throws Exception {
        data = tmp.resolve("shards").toUri().toString();
        new ToySquares(32).writeShards(tmp.resolve("shards").toUri(), new Configuration(), 1, 64);
        Path config = tmp.resolve("tiny.yaml");
        Files.writeString(config, TINY);
        runDir = tmp.resolve("run");
        CliRun.Result r = CliRun.run("train", "--model", "ivae-ddpm", "--config", config.toString(), "--data", data, "--run-dir",
                runDir.toString(), "--steps", "2", "--checkpoint-every", "2", "--log-every", "1");
        assertEquals(0, r.code(), r.err());
        assertEquals("step,total,ddpm,rec,kl,images_per_s", Files.readAllLines(runDir.resolve("loss.csv")).get(0));
    }

    @Test
    void traverseDrawsBothDecodersSideBySideAndDecoderPicksOne() throws Exception {
        BufferedImage both = run("traverse", "both.png", "--n", "8", "--values", "3", "--max-dims", "2");
        assertEquals(LEFT + (1 + 2 * 3) * CELL + 2, both.getWidth(), "input, then 3 iVAE and 3 DDPM columns");
        assertEquals(TOP + 2 * CELL + 2, both.getHeight());
        BufferedImage one = run("traverse", "ivae.png", "--n", "8", "--values", "3", "--max-dims", "2", "--decoder", "ivae");
        assertEquals(LEFT + (1 + 3) * CELL + 2, one.getWidth());
        CliRun.Result bad = CliRun.run("traverse", "--checkpoint", runDir.toString(), "--data", data, "--output",
                tmp.resolve("bad.png").toString(), "--decoder", "vq");
        assertEquals(1, bad.code());
        assertTrue(bad.err().contains("--decoder") && bad.err().contains("ivae") && bad.err().contains("ddpm"), bad.err());
    }

    @Test
    void reconstructHasRowsOfBothDecoders() throws Exception {
        BufferedImage png = run("reconstruct", "rec.png", "--n", "2");
        assertEquals(TOP + (1 + 1 + 2) * CELL + 2, png.getHeight(), "input, iVAE, DDPM from noise and from inverted x_T");
    }

    static BufferedImage run(String command, String name, String... extra) throws Exception {
        Path out = tmp.resolve("pictures").resolve(name);
        List<String> args = new ArrayList<>(List.of(command, "--checkpoint", runDir.toString(), "--data", data, "--output", out.toString(),
                "--steps", "1", "--seed", "1", "--scale", "1"));
        args.addAll(List.of(extra));
        CliRun.Result r = CliRun.run(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        BufferedImage png = ImageIO.read(out.toFile());
        assertNotNull(png, "decodable PNG " + out);
        return png;
    }
}
