package org.factorlab.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import javax.imageio.ImageIO;
import org.factorlab.cli.CliRun;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code traverse} on a DisDiff checkpoint: one row per vector unit, moved along its first principal direction. */
class DisDiffTraverseCliTest {
    private static final String UNET = "  imageSize: 8\n"
            + "  unet: {modelChannels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [], numHeads: 2, groups: 4}\n";
    @TempDir
    static Path tmp;

    @Test
    void aRowPerUnitAlongItsPrincipalDirection() throws Exception {
        String shards = tmp.resolve("s8").toUri().toString();
        CliRun.Result r = CliRun.run("render", "shapes3d", "--size", "8", "--factor", "floor_hue=0,5", "--factor", "wall_hue=0,5",
                "--factor", "object_hue=0,5", "--factor", "scale=0", "--factor", "orientation=0", "--output", shards);
        assertEquals(0, r.code(), r.err());
        Path ddpm = Files.writeString(tmp.resolve("ddpm.yaml"), "model:\n" + UNET + "train: {batchSize: 4}\n");
        r = CliRun.run("train", "--model", "ddpm", "--config", ddpm.toString(), "--data", shards, "--steps", "1",
                "--run-dir", tmp.resolve("A").toString());
        assertEquals(0, r.code(), r.err());
        Path disdiff = Files.writeString(tmp.resolve("disdiff.yaml"), "model:\n" + UNET
                + "  encoder: {channels: 8, downsamples: 2, resBlocks: 1, outDim: 12}\n  latentUnit: 3\n  unitDim: 4\n"
                + "train: {batchSize: 4}\n");
        r = CliRun.run("train", "--model", "disdiff", "--config", disdiff.toString(), "--data", shards, "--steps", "1",
                "--set", "pretrained.checkpoint=" + tmp.resolve("A").resolve("ckpt-000000001.zip"), "--run-dir", tmp.resolve("B").toString());
        assertEquals(0, r.code(), r.err());
        Path png = tmp.resolve("traverse.png");
        r = CliRun.run("traverse", "--checkpoint", tmp.resolve("B").resolve("ckpt-000000001.zip").toString(), "--data", shards,
                "--n", "8", "--values", "3", "--steps", "2", "--scale", "4", "--output", png.toString());
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().contains("3 units of 4 entries along their first principal direction x 3 values"), r.out());
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image);
        int cell = 8 * 4 + 2;
        assertEquals(InferenceCommandsTest.LEFT + (3 + 1) * cell + 2, image.getWidth(), "input + 3 values");
        assertEquals(InferenceCommandsTest.TOP + 3 * cell + 2, image.getHeight(), "one row per unit");
    }
}
