package org.factorlab.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.factorlab.cli.FactorlabCli;
import org.factorlab.model.Families;
import org.factorlab.model.TrainedModel;
import org.factorlab.train.Checkpoint;
import org.factorlab.toy.TinyModel;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.factorlab.cli.CliRun;

/**
 * The platform through the command line: config keys honoured and overridden by flags and {@code --set}, effective
 * config in provenance, frozen parents (single machine and Spark, with resume), and bad input that names the key or
 * file and writes nothing.
 */
class PlatformCliTest {
    private static final String DATA = "toy:squares?size=8";
    @TempDir
    static Path tmp;
    static Path parent;

    @BeforeAll
    static void trainParent() throws IOException {
        Path conf = write("parent.yaml", "hidden: 6\ntrain: {batchSize: 4, emaDecay: 0.0}\n");
        CliRun.Result r = cli("train", "--model", "tiny", "--config", conf.toString(), "--data", DATA, "--steps", "3",
                "--run-dir", tmp.resolve("parent").toString());
        assertEquals(0, r.code(), r.err());
        parent = tmp.resolve("parent").resolve("ckpt-000000003.zip");
        assertTrue(Files.exists(parent));
    }

    @Test
    void configKeysAreHonouredAndSetOverridesThem() throws IOException {
        Path conf = write("seeded.yaml", "hidden: 6\ntrain: {batchSize: 4, emaDecay: 0.5, emaWarmup: true, seed: 3}\n");
        CliRun.Result a = cli("train", "--model", "tiny", "--config", conf.toString(), "--data", DATA, "--steps", "2",
                "--run-dir", tmp.resolve("seed3").toString());
        CliRun.Result b = cli("train", "--model", "tiny", "--config", conf.toString(), "--data", DATA, "--steps", "2",
                "--set", "train.seed=1", "--run-dir", tmp.resolve("seed1").toString());
        assertEquals(0, a.code(), a.err());
        assertEquals(0, b.code(), b.err());
        Checkpoint ca = read(tmp.resolve("seed3").resolve("ckpt-000000002.zip"));
        Checkpoint cb = read(tmp.resolve("seed1").resolve("ckpt-000000002.zip"));
        assertEquals(3, ca.provenance().seed(), "train.seed from the file");
        assertEquals(1, cb.provenance().seed(), "--set train.seed wins");
        assertTrue(cb.provenance().configText().contains("seed: 1"), cb.provenance().configText());
        assertTrue(ca.provenance().configText().contains("emaDecay: 0.5"), "the effective config is stored: " + ca.provenance().configText());
        assertEquals("tiny", ca.provenance().family());
        assertNotEquals(Files.readAllLines(tmp.resolve("seed3").resolve("loss.csv")).get(1),
                Files.readAllLines(tmp.resolve("seed1").resolve("loss.csv")).get(1), "another seed, other losses");
        assertFalse(ca.ema().isEmpty(), "train.emaDecay 0.5 from the file keeps an EMA");
    }

    @Test
    void frozenParentOnOneMachine() throws IOException {
        Path conf = write("child.yaml", "hidden: 6\npretrained: {checkpoint: " + parent.toUri() + "}\ntrain: {batchSize: 4, emaDecay: 0.0}\n");
        CliRun.Result r = cli("train", "--model", "tiny", "--config", conf.toString(), "--data", DATA, "--steps", "3",
                "--run-dir", tmp.resolve("child").toString());
        assertEquals(0, r.code(), r.err());
        Checkpoint child = read(tmp.resolve("child").resolve("ckpt-000000003.zip"));
        assertFrozenFromParent(child);
    }

    @Test
    void frozenParentOnSparkAcrossAResume() throws IOException {
        Path conf = write("child-spark.yaml", "hidden: 6\npretrained: {checkpoint: " + parent + "}\ntrain: {batchSize: 4, emaDecay: 0.9}\n");
        String run = tmp.resolve("child-spark").toUri().toString();
        List<String> args = List.of("train", "--spark", "--master", "local[2]", "--model", "tiny", "--config", conf.toString(), "--data",
                DATA, "--run-dir", run, "--averaging-frequency", "2", "--checkpoint-every", "1", "--conf", "spark.ui.enabled=false");
        CliRun.Result first = cli(concat(args, "--rounds", "1"));
        assertEquals(0, first.code(), first.err());
        CliRun.Result resumed = cli(concat(args, "--rounds", "2", "--resume"));
        assertEquals(0, resumed.code(), resumed.err());
        Checkpoint c = read(tmp.resolve("child-spark").resolve(RunDirectory.CHECKPOINTS).resolve("round-00000002.ckpt"));
        assertEquals(4, c.state().step());
        assertFrozenFromParent(c);
    }

    private static void assertFrozenFromParent(Checkpoint child) throws IOException {
        Checkpoint p = read(parent);
        assertEquals(List.of(TinyModel.W2, TinyModel.B2), List.copyOf(child.state().parameters().keySet()),
                "frozen parameters are not written into the child's checkpoints");
        assertEquals(1, child.provenance().parents().size());
        var lineage = child.provenance().parents().get(0);
        assertEquals(TinyModel.PRETRAINED, lineage.key());
        assertEquals(org.factorlab.provenance.Digests.sha256Hex(Files.readAllBytes(parent)), lineage.sha256());
        assertEquals("tiny", lineage.family());
        assertEquals(p.provenance().configText(), lineage.provenance().configText());
        TrainedModel m = Families.load(child, "child", ParentBytes.reader(null));
        INDArray x = org.nd4j.linalg.factory.Nd4j.rand(org.nd4j.linalg.api.buffer.DataType.FLOAT, 2, 3, 8, 8);
        TrainedModel pm = Families.load(p, "parent");
        assertEquals(pm.encoder().encode(x), m.encoder().encode(x), "the child's encoder is the parent's, frozen");
    }

    @Test
    void aChangedParentIsRefusedWhenLoadingTheChild() throws IOException {
        Path copy = tmp.resolve("parent-copy.zip");
        Files.copy(parent, copy);
        Path conf = write("child2.yaml", "hidden: 6\npretrained: {checkpoint: " + copy + "}\ntrain: {batchSize: 4, emaDecay: 0.0}\n");
        assertEquals(0, cli("train", "--model", "tiny", "--config", conf.toString(), "--data", DATA, "--steps", "1",
                "--run-dir", tmp.resolve("child2").toString()).code());
        Files.write(copy, new byte[]{0}, java.nio.file.StandardOpenOption.APPEND); // any change to the file's bytes
        CliRun.Result r = cli("reconstruct", "--checkpoint", tmp.resolve("child2").toString(), "--data", DATA, "--output",
                tmp.resolve("r.png").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains(TinyModel.PRETRAINED) && r.err().contains("changed"), r.err());
    }

    @Test
    void pictureCommandsServeAnyFamilyWithADecoderAndSayWhatAModelLacks() {
        String shards = tmp.resolve("shards8").toUri().toString();
        CliRun.Result rendered = cli("render", "shapes3d", "--size", "8", "--factor", "floor_hue=0,5", "--factor", "wall_hue=0,5",
                "--factor", "object_hue=0,5", "--factor", "scale=0", "--factor", "orientation=0", "--output", shards);
        assertEquals(0, rendered.code(), rendered.err());
        for (String command : List.of("reconstruct", "swap", "traverse")) {
            Path png = tmp.resolve(command + ".png");
            CliRun.Result r = cli(command, "--checkpoint", parent.toString(), "--data", shards, "--output", png.toString(), "--n", "3");
            assertEquals(0, r.code(), command + ": " + r.err());
            assertTrue(Files.exists(png), command + " wrote " + png);
        }
        CliRun.Result r = cli("attention", "--checkpoint", parent.toString(), "--data", shards, "--output", tmp.resolve("a.png").toString());
        assertEquals(1, r.code());
        assertTrue(r.err().contains("model tiny has no attention maps"), r.err());
        assertFalse(Files.exists(tmp.resolve("a.png")));
    }

    @Test
    void badInputNamesTheKeyOrFileAndWritesNothing() throws IOException {
        Path conf = write("ok.yaml", "hidden: 6\ntrain: {batchSize: 4}\n");
        Path vae = write("vae.yaml", "model: {imageSize: 32, imageChannels: 3, latents: 4}\n");
        Path wrongParent = write("wrong-parent.yaml", "model: {imageSize: 32}\n");
        // [expected words in the error, args...]
        List<List<String>> cases = new ArrayList<>();
        cases.add(List.of("unknown model 'nosuch'", "--model", "nosuch", "--config", conf.toString(), "--data", DATA));
        cases.add(List.of("train.noSuchKey", "--model", "tiny", "--config", conf.toString(), "--data", DATA, "--set", "train.noSuchKey=1"));
        cases.add(List.of("train.batchSize", "--model", "tiny", "--config", conf.toString(), "--data", DATA, "--set", "train.batchSize=-2"));
        cases.add(List.of("hidden", "--model", "tiny", "--config", conf.toString(), "--data", DATA, "--set", "hidden=many"));
        cases.add(List.of("pretrained.checkpoint", "--model", "tiny", "--config", conf.toString(), "--data", DATA,
                "--set", "pretrained.checkpoint=" + tmp.resolve("missing.zip")));
        cases.add(List.of("pretrained.checkpoint", "--model", "tiny", "--config", conf.toString(), "--data", DATA,
                "--set", "pretrained.checkpoint=" + wrongParentCheckpoint(wrongParent)));
        int i = 0;
        for (List<String> c : cases) {
            Path runDir = tmp.resolve("bad-" + i++);
            List<String> args = new ArrayList<>(List.of("train"));
            args.addAll(c.subList(1, c.size()));
            args.addAll(List.of("--steps", "1", "--run-dir", runDir.toString()));
            CliRun.Result r = cli(args.toArray(String[]::new));
            assertEquals(1, r.code(), "should fail: " + args);
            assertTrue(r.err().contains(c.get(0)), "error names '" + c.get(0) + "': " + r.err());
            assertFalse(Files.exists(runDir), "nothing written for " + args);
        }
    }

    /** A checkpoint of the betavae family, as a parent where a tiny one is needed. */
    private static Path wrongParentCheckpoint(Path vaeConf) {
        Path dir = tmp.resolve("vae-parent");
        if (!Files.exists(dir.resolve("ckpt-000000001.zip")))
            assertEquals(0, cli("train", "--model", "betavae", "--config", vaeConf.toString(), "--data", "toy:squares?size=32",
                    "--steps", "1", "--batch-size", "2", "--run-dir", dir.toString()).code());
        return dir.resolve("ckpt-000000001.zip");
    }

    private static String[] concat(List<String> a, String... more) {
        List<String> out = new ArrayList<>(a);
        out.addAll(List.of(more));
        return out.toArray(String[]::new);
    }

    private static Checkpoint read(Path p) throws IOException {
        try (InputStream in = Files.newInputStream(p)) {
            return Checkpoint.read(in, p.toString());
        }
    }

    private static Path write(String name, String text) throws IOException {
        Path p = tmp.resolve(name);
        Files.writeString(p, text);
        return p;
    }

    static CliRun.Result cli(String... args) {
        return CliRun.run(args);
    }
}
