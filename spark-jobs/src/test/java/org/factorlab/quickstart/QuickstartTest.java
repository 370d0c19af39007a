package org.factorlab.quickstart;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.factorlab.metrics.MetricKind;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The quickstart pipeline end to end at toy scale: 48 images, a tiny EncDiff, two rounds. */
class QuickstartTest {
    static final String YAML = """
            model:
              imageSize: 16
              imageChannels: 3
              encoder: {channels: 8, downsamples: 4, resBlocks: 1, norm: batch}
              tokens: {kind: scalar, count: 4, dim: 8, hidden1: 8, hidden2: 8}
              unet: {modelChannels: 8, channelMult: [1, 2], numResBlocks: 1, attentionResolutions: [2], numHeads: 2, groups: 4}
            diffusion:
              schedule: {schedule: linear, timesteps: 100}
            optimizer: {kind: adam, lr: 1.0e-3}
            train: {batchSize: 4}
            """;
    static final List<String> FACTORS = List.of("floor_hue=0,5", "wall_hue=0,5", "object_hue=0", "scale=0,4,7", "orientation=7");

    @Test
    void writesAReportWithMetricsTableAndTheImagesItShows(@TempDir Path tmp) throws Exception {
        Path out = tmp.resolve("qs");
        var o = new Quickstart.Options(out, 1e6, "tiny.yaml", YAML, 16, FACTORS, 2, 2, 1, 4, "all", 0);
        Quickstart.Result r = Quickstart.run(o);

        assertEquals(out.resolve(Quickstart.REPORT), r.report());
        assertEquals(2, r.rounds());
        assertFalse(r.stoppedByBudget());
        String html = Files.readString(r.report());
        // the metrics table: one row per headline value of every metric, each a number
        for (MetricKind m : MetricKind.values())
            for (String col : m.headline()) {
                Matcher v = Pattern.compile("<tr><td>" + Pattern.quote(col) + "</td><td>(-?[0-9.]+)</td></tr>").matcher(html);
                assertTrue(v.find(), "metrics table lacks " + col);
                assertEquals(r.evaluation().runs().get(0).result().values().get(col), Double.parseDouble(v.group(1)), 5e-4, col);
            }
        // every image the page shows exists and is a PNG; the page shows the loss curve and the data sample
        Matcher img = Pattern.compile("<img src=\"([^\"]+)\"").matcher(html);
        var shown = new ArrayList<String>();
        while (img.find()) shown.add(img.group(1));
        assertEquals(r.figures(), shown);
        for (String png : List.of(Quickstart.LOSS_PNG, Quickstart.RECONSTRUCT_PNG, Quickstart.SWAP_PNG, Quickstart.DATA_PNG))
            assertTrue(shown.contains(Quickstart.FILES + "/" + png), png);
        for (String src : shown) {
            byte[] b = Files.readAllBytes(out.resolve(src));
            assertArrayEquals(new byte[]{(byte) 0x89, 'P', 'N', 'G'}, Arrays.copyOf(b, 4), src);
        }
        // the evaluation stage's own outputs, with provenance of the trained checkpoint and the data
        JsonNode json = new ObjectMapper().readTree(out.resolve("run/eval/metrics.json").toFile());
        JsonNode run = json.get("runs").get(0);
        assertEquals(48, run.get("rows").asInt());
        assertEquals(4, run.get("codeDim").asInt());
        assertEquals(2 * 1, run.get("model").get("step").asInt());
        String manifest = new ObjectMapper().readTree(out.resolve("run/provenance.json").toFile()).get("dataManifestSha256").asText();
        assertEquals(manifest, json.get("provenance").get("dataManifestSha256").asText());
        assertTrue(html.contains(manifest));
        assertEquals(3, Files.readAllLines(out.resolve("run/history.csv")).size()); // header + 2 rounds
    }

    @Test
    void refusesAnOutputThatHoldsSomething(@TempDir Path tmp) throws Exception {
        Files.writeString(tmp.resolve("x"), "x");
        var o = new Quickstart.Options(tmp, 600, "tiny.yaml", YAML, 16, FACTORS, 2, 2, 1, 4, "all", 0);
        var e = assertThrows(IllegalArgumentException.class, () -> Quickstart.run(o));
        assertTrue(e.getMessage().contains(tmp.toString()), e.getMessage());
    }
}
