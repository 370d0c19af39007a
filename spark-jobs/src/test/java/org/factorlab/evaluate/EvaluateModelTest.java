package org.factorlab.evaluate;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Iterator;
import java.util.Map;
import java.util.TreeMap;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.encdiff.EncDiffEncoder;
import org.factorlab.metrics.CodesAndFactors;
import org.factorlab.model.Families;
import org.factorlab.provenance.Provenance;
import org.factorlab.render.RenderCommand;
import org.factorlab.shards.ShardDataset;
import org.factorlab.spark.RunDirectory;
import org.factorlab.train.Checkpoint;
import org.factorlab.model.Families;
import org.factorlab.train.TrainingSession;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code factorlab evaluate --model}: a tiny EncDiff checkpoint made here, a 12-image rendered data set. */
class EvaluateModelTest {
    static final String YAML = """
            model:
              imageSize: 16
              imageChannels: 3
              encoder: {channels: 8, downsamples: 4, resBlocks: 1, norm: batch}
              tokens: {kind: scalar, count: 4, dim: 8, hidden1: 8, hidden2: 8}
              unet: {modelChannels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [2], numHeads: 2, groups: 4}
            diffusion:
              schedule: {schedule: linear, timesteps: 100}
            train: {batchSize: 4}
            """;
    static final int ROWS = 12;

    @TempDir
    static Path tmp;
    static String data;

    @BeforeAll
    static void render() {
        data = tmp.resolve("data").toUri().toString();
        int rc = new CommandLine(new RenderCommand()).execute("shapes3d", "--size", "16", "--samples", "1", "--threads", "2",
                "--factor", "floor_hue=0,5", "--factor", "wall_hue=0", "--factor", "object_hue=0", "--factor", "scale=0,7",
                "--factor", "shape=0,1,2", "--factor", "orientation=7", "--output", data);
        assertEquals(0, rc);
    }

    /** A run directory holding one checkpoint of a freshly initialised tiny EncDiff. */
    static Path run(String name, long seed) throws Exception {
        Path dir = tmp.resolve(name);
        ShardDataset ds = ShardDataset.open(URI.create(data), new Configuration());
        try (TrainingSession s = Families.open("encdiff", YAML, seed)) {
            var ckpt = new Checkpoint("encdiff", s.state(), Map.of(), Provenance.of(YAML, seed, ds.manifestSha256()));
            new RunDirectory(dir.toUri().toString(), new Configuration()).writeCheckpoint(3, ckpt);
        }
        return dir;
    }

    @Test
    void encodesEveryImageOnSparkLikeTheEncoderDoesLocally() throws Exception {
        Path runDir = run("seed1", 1);
        int rc = new CommandLine(new EvaluateCommand()).execute("--model", runDir.toUri().toString(), "--data", data,
                "--metrics", "mig,mcc,modularity", "--batch-size", "5", "--partitions", "2", "--spark-master", "local[2]");
        assertEquals(0, rc);
        Path eval = runDir.resolve("eval");
        JsonNode json = new ObjectMapper().readTree(eval.resolve(Reports.JSON).toFile());
        JsonNode r = json.get("runs").get(0);
        assertEquals("seed1", r.get("id").asText());
        assertEquals(ROWS, r.get("rows").asInt());
        assertEquals(4, r.get("codeDim").asInt());
        ShardDataset ds = ShardDataset.open(URI.create(data), new Configuration());
        // provenance: the data manifest, the checkpoint's checksum and its own training provenance
        assertEquals(ds.manifestSha256(), json.get("provenance").get("dataManifestSha256").asText());
        JsonNode model = r.get("model");
        byte[] ckptBytes = Files.readAllBytes(runDir.resolve("checkpoints/round-00000003.ckpt"));
        assertEquals(java.util.HexFormat.of().formatHex(org.factorlab.provenance.Digests.sha256().digest(ckptBytes)), model.get("checkpointSha256").asText());
        assertEquals(1, model.get("trainingProvenance").get("seed").asLong());
        assertEquals(YAML, model.get("trainingProvenance").get("configText").asText());
        assertEquals(ds.manifestSha256(), model.get("dataManifestSha256").asText());
        assertTrue(r.get("values").has("mig"));

        // the codes written beside metrics.json are the local encoder's codes, in canonical row order
        EvaluationRun written = CodesFile.read(eval.resolve(r.get("codes").asText()).toString(), "x", new Configuration(), 1);
        CodesAndFactors got = written.data();
        assertEquals(ROWS, got.numPoints());
        assertEquals(4, got.codeDim());
        Checkpoint c = new RunDirectory(runDir.toUri().toString(), new Configuration()).newestReadable().orElseThrow().checkpoint();
        var enc = (EncDiffEncoder) Families.encoder(c, "test");
        var expected = new TreeMap<Long, float[]>();
        var factors = new TreeMap<Long, int[]>();
        for (Iterator<ShardDataset.IndexedBatch> it = ds.scan(ds.all(), ROWS); it.hasNext(); ) {
            var b = it.next();
            float[][] z = enc.encode(b.batch().images()).toFloatMatrix();
            for (int i = 0; i < b.indices().length; i++) {
                expected.put(b.indices()[i], z[i]);
                factors.put(b.indices()[i], b.batch().factors()[i]);
            }
        }
        int row = 0;
        for (var e : expected.entrySet()) {
            double[] want = new double[e.getValue().length];
            for (int j = 0; j < want.length; j++) want[j] = e.getValue()[j];
            assertArrayEquals(want, got.codes()[row], 1e-5, "row " + row);
            assertArrayEquals(factors.get(e.getKey()), got.factors()[row], "factors of row " + row);
            row++;
        }
    }

    @Test
    void severalModelsGiveASeedSweepTable() throws Exception {
        Path a = run("sweep-a", 1), b = run("sweep-b", 2);
        Path out = tmp.resolve("sweep-report");
        int rc = new CommandLine(new EvaluateCommand()).execute("--model", a.toUri() + "," + b.resolve("checkpoints/round-00000003.ckpt").toUri(),
                "--data", data, "--metrics", "mig,mcc", "--output", out.toUri().toString(), "--spark-master", "local[2]");
        assertEquals(0, rc);
        String md = Files.readString(out.resolve(Reports.MARKDOWN));
        assertTrue(md.contains("mean ± std (n=2)"), md);
        JsonNode runs = new ObjectMapper().readTree(out.resolve(Reports.JSON).toFile()).get("runs");
        assertEquals("sweep-a", runs.get(0).get("id").asText());
        assertEquals("round-00000003", runs.get(1).get("id").asText());
        assertNotEquals(runs.get(0).get("model").get("checkpointSha256").asText(), runs.get(1).get("model").get("checkpointSha256").asText());
    }

    @Test
    void aCorruptShardFailsWithOneLineNamingIt() throws Exception {
        Path runDir = run("corrupt-run", 1);
        Path copy = tmp.resolve("corrupt-data");
        Path src = Path.of(URI.create(data));
        Files.createDirectories(copy);
        try (var files = Files.list(src)) {
            for (Path f : files.toList()) if (!f.getFileName().toString().endsWith(".crc")) Files.copy(f, copy.resolve(f.getFileName()));
        }
        Path shard = copy.resolve("part-00000.parquet");
        byte[] b = Files.readAllBytes(shard);
        b[b.length / 2] ^= 0x5a;
        Files.write(shard, b);
        for (boolean verbose : new boolean[]{false, true}) {
            var err = new java.io.StringWriter();
            var cl = org.factorlab.cli.FactorlabCli.commandLine();
            cl.setErr(new java.io.PrintWriter(err));
            var args = new java.util.ArrayList<>(java.util.List.of("evaluate", "--model", runDir.toUri().toString(), "--data",
                    copy.toUri().toString(), "--metrics", "mig", "--spark-master", "local[1]"));
            if (verbose) args.add("--verbose");
            assertEquals(1, cl.execute(args.toArray(String[]::new)));
            String[] lines = err.toString().strip().split("\n");
            assertTrue(lines[0].startsWith("error: ") && lines[0].contains("part-00000.parquet") && !lines[0].contains("stage failure"),
                    err.toString());
            if (verbose) assertTrue(lines.length > 5, "--verbose prints the trace: " + err);
            else assertEquals(1, lines.length, err.toString());
        }
    }

    @Test
    void badModelArgumentsFailNamingThem() {
        var e = assertThrows(IllegalArgumentException.class, () -> ModelEncoding.load(tmp.resolve("nope").toUri().toString(), new Configuration()));
        assertTrue(e.getMessage().contains("nope"), e.getMessage());
        var cmd = new CommandLine(new EvaluateCommand());
        var err = new java.io.StringWriter();
        cmd.setErr(new java.io.PrintWriter(err));
        assertNotEquals(0, cmd.execute("--model", tmp.toUri().toString()));
        assertTrue(err.toString().contains("--data"), err.toString());
    }
}
