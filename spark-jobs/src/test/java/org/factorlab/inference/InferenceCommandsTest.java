package org.factorlab.inference;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.imageio.ImageIO;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.cli.FactorlabCli;
import org.factorlab.spark.toy.ToySquares;
import org.factorlab.train.Trainer;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.factorlab.cli.CliRun;

/**
 * End to end on one machine: {@code factorlab train} (no --spark) writes a tiny EncDiff checkpoint from 16x16
 * shards, and reconstruct / swap / traverse / attention read it back (run directory or file) and write decodable
 * PNG grids of the documented layout.
 */
class InferenceCommandsTest {
    static final String TINY = """
            model:
              imageSize: 16
              imageChannels: 3
              encoder: {channels: 8, downsamples: 4, resBlocks: 1, norm: batch}
              tokens: {kind: scalar, count: 3, dim: 8, hidden1: 8, hidden2: 8}
              unet: {modelChannels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [2], numHeads: 2, groups: 4}
            diffusion:
              schedule: {schedule: linear, timesteps: 100}
            optimizer: {kind: adam, lr: 1.0e-3}
            train: {batchSize: 4}
            """;
    /** ImageGrid geometry: 90 px of row labels, 16 px of column labels, 2 px padding, cells 16 px x --scale 2. */
    static final int LEFT = 90, TOP = 16, CELL = 32 + 2;

    @TempDir
    static Path tmp;
    static Path runDir;
    static String data;

    @BeforeAll
    static void trainTinyCheckpoint() throws Exception {
        data = tmp.resolve("shards").toUri().toString();
        new ToySquares(16).writeShards(tmp.resolve("shards").toUri(), new Configuration(), 1, 200);
        Path config = tmp.resolve("tiny.yaml");
        Files.writeString(config, TINY);
        runDir = tmp.resolve("run");
        CliRun.Result r = cli("train", "--model", "encdiff", "--config", config.toString(), "--data", data, "--run-dir", runDir.toString(),
                "--steps", "2", "--batch-size", "2", "--checkpoint-every", "1", "--log-every", "1", "--ema-decay", "0.9");
        assertEquals(0, r.code(), r.err());
        assertEquals(List.of("ckpt-000000001.zip", "ckpt-000000002.zip"),
                Trainer.checkpoints(runDir).stream().map(p -> p.getFileName().toString()).toList());
        assertTrue(Files.readAllLines(runDir.resolve(Trainer.LOSS_CSV)).size() == 3, "header and 2 steps");
    }

    @Test
    void reconstructWritesInputAndBothDecodings() throws Exception {
        BufferedImage png = run("reconstruct", runDir.toString(), "rec.png", "--n", "2");
        assertEquals(LEFT + 2 * CELL + 2, png.getWidth());
        assertEquals(TOP + 3 * CELL + 2, png.getHeight());
    }

    @Test
    void reconstructConditioningGapWritesARowPerTimestep() throws Exception {
        Path out = tmp.resolve("pictures").resolve("gap.png");
        CliRun.Result r = cli("reconstruct", "--checkpoint", runDir.toString(), "--data", data, "--output", out.toString(), "--steps", "1",
                "--n", "2", "--conditioning-gap", "0,5");
        assertEquals(0, r.code(), r.err());
        Path csv = tmp.resolve("pictures").resolve("gap.conditioning-gap.csv");
        assertTrue(r.out().strip().endsWith(csv.toString()), r.out());
        List<String> lines = Files.readAllLines(csv);
        assertEquals(List.of("t,own_tokens,shifted_tokens,mean_tokens"), lines.subList(0, 1));
        assertEquals(List.of("0", "5"), lines.subList(1, 3).stream().map(l -> l.split(",")[0]).toList());
        for (String line : lines.subList(1, 3))
            for (String cell : line.split(",")) assertTrue(Double.parseDouble(cell) >= 0, line);
    }

    @Test
    void swapHasARowPerToken() throws Exception {
        // a checkpoint file rather than the run directory
        BufferedImage png = run("swap", runDir.resolve("ckpt-000000001.zip").toString(), "swap.png", "--n", "2", "--start", "INVERTED");
        assertEquals(LEFT + 2 * CELL + 2, png.getWidth());
        assertEquals(TOP + (3 + 3) * CELL + 2, png.getHeight());
    }

    @Test
    void swapFactorChangesWritesATableOfRates() throws Exception {
        Path out = tmp.resolve("pictures").resolve("swapf.png");
        CliRun.Result r = cli("swap", "--checkpoint", runDir.toString(), "--data", data, "--output", out.toString(), "--steps", "1",
                "--n", "2", "--factor-changes");
        assertEquals(0, r.code(), r.err());
        Path csv = tmp.resolve("pictures").resolve("swapf.factor-changes.csv");
        assertTrue(r.out().strip().endsWith(csv.toString()), r.out());
        List<String> lines = Files.readAllLines(csv);
        var names = org.factorlab.shards.ShardDataset.open(java.net.URI.create(data), new Configuration()).spec().factorNames();
        assertEquals("token,measure," + String.join(",", names) + ",dominant", lines.get(0));
        assertEquals(1 + 1 + 3 + 3, lines.size(), "header, the source/target row, per token a changed and a to_source row");
        for (String line : lines.subList(1, lines.size())) {
            String[] cells = line.split(",", -1);
            for (int k = 2; k < 2 + names.size(); k++) {
                double v = Double.parseDouble(cells[k]);
                assertTrue(v == 0 || v == 0.5 || v == 1, "a fraction of 2 pairs: " + line);
            }
        }
        for (int c = 0; c < 3; c++) {
            String[] changed = lines.get(2 + c).split(","), toSource = lines.get(5 + c).split(",");
            assertEquals(c + ",changed", changed[0] + "," + changed[1]);
            assertEquals(c + ",to_source", toSource[0] + "," + toSource[1]);
            for (int k = 2; k < 2 + names.size(); k++)
                assertTrue(Double.parseDouble(toSource[k]) <= Double.parseDouble(changed[k]), "to_source is a subset of changed");
        }
    }

    @Test
    void traverseHasARowPerScalarAndAColumnPerValue() throws Exception {
        BufferedImage png = run("traverse", runDir.toString(), "trav.png", "--n", "8", "--values", "3", "--max-dims", "2");
        assertEquals(LEFT + (3 + 1) * CELL + 2, png.getWidth());
        assertEquals(TOP + 2 * CELL + 2, png.getHeight());
    }

    @Test
    void attentionHasAHeatMapPerToken() throws Exception {
        BufferedImage png = run("attention", runDir.toString(), "attn.png", "--n", "2");
        assertEquals(LEFT + 2 * CELL + 2, png.getWidth());
        assertEquals(TOP + (2 + 3) * CELL + 2, png.getHeight());
    }

    @Test
    void missingCheckpointIsAClearError() {
        CliRun.Result r = cli("reconstruct", "--checkpoint", tmp.resolve("nope").toString(), "--data", data, "--output",
                tmp.resolve("x.png").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("--checkpoint") && r.err().contains("nope"), r.err());
        assertTrue(!Files.exists(tmp.resolve("x.png")));
    }

    static BufferedImage run(String command, String checkpoint, String name, String... extra) throws Exception {
        Path out = tmp.resolve("pictures").resolve(name);
        List<String> args = new ArrayList<>(List.of(command, "--checkpoint", checkpoint, "--data", data, "--output", out.toString(),
                "--steps", "1", "--seed", "1", "--scale", "2"));
        args.addAll(List.of(extra));
        CliRun.Result r = cli(args.toArray(String[]::new));
        assertEquals(0, r.code(), r.err());
        assertTrue(r.out().strip().endsWith(out.toString()), "prints the path: " + r.out());
        BufferedImage png = ImageIO.read(out.toFile());
        assertNotNull(png, "decodable PNG " + out);
        return png;
    }

    static CliRun.Result cli(String... args) {
        return CliRun.run(args);
    }
}
