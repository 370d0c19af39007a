package org.factorlab.evaluate;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.api.java.JavaSparkContext;
import org.factorlab.metrics.MetricKind;
import org.factorlab.metrics.MetricSuite;
import org.factorlab.metrics.MetricsConfig;
import org.factorlab.metrics.SuiteResult;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class EvaluationStageTest {
    static JavaSparkContext sc;
    static final MetricsConfig SMALL = smallConfig();

    @BeforeAll
    static void start() {
        // Kryo with registration required, as the training job configures Spark: the stage must not depend on it
        sc = new JavaSparkContext(new SparkConf().setMaster("local[2]").setAppName("evaluation-test").set("spark.ui.enabled", "false")
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer").set("spark.kryo.registrationRequired", "true"));
    }

    @AfterAll
    static void stop() {
        sc.stop();
    }

    static MetricsConfig smallConfig() {
        MetricsConfig d = MetricsConfig.defaults();
        return new MetricsConfig(0, new MetricsConfig.FactorVae(64, 1000, 500, 10000, 0.05),
                new MetricsConfig.Dci(10000, 5000, 20, 3, 0.1, 0, 0, 256, 1), d.mig(), d.sap(), d.modularity(),
                d.explicitness(), d.mcc());
    }

    @Test
    void codesMadeElsewhereGetTheReferenceLibrariesValues(@TempDir Path out) throws Exception {
        EvaluationRun run = CodesFile.read(Path.of("src/test/resources/evaluate/npy/codes.npy").toString(), "ext", new Configuration(), 1);
        MetricSuite suite = new MetricSuite(List.of(MetricKind.MIG, MetricKind.MODULARITY, MetricKind.MCC), SMALL);
        EvaluationReport report = EvaluationStage.evaluate(sc, List.of(run), suite, SMALL.toYaml(), out.toUri().toString());
        JsonNode expected = new ObjectMapper().readTree(Path.of("src/test/resources/evaluate/expected.json").toFile());
        for (String k : List.of("mig", "modularity", "mcc"))
            assertEquals(expected.get(k).asDouble(), report.runs().get(0).result().values().get(k), 1e-9, k);
    }

    @Test
    void sweepOfRunsGivesMeanStdReportWithProvenanceAndRecomputableCodes(@TempDir Path out) throws Exception {
        var runs = new java.util.ArrayList<EvaluationRun>();
        for (int s = 0; s < 3; s++)
            runs.add(new EvaluationRun("seed" + s, MetricsBenchmark.syntheticShapes3d(1500, 8, s), "memory", "0".repeat(63) + s));
        MetricSuite suite = new MetricSuite(List.of(MetricKind.DCI, MetricKind.MIG, MetricKind.SAP, MetricKind.FACTOR_VAE), SMALL);
        EvaluationReport report = EvaluationStage.evaluate(sc, runs, suite, SMALL.toYaml(), out.toString());

        // Spark tasks give exactly what the local suite gives
        for (int s = 0; s < 3; s++) {
            SuiteResult local = suite.run(runs.get(s).data(), 1);
            assertEquals(local.values(), report.runs().get(s).result().values());
        }
        JsonNode json = new ObjectMapper().readTree(out.resolve(Reports.JSON).toFile());
        assertEquals(SMALL.toYaml(), json.get("provenance").get("configText").asText());
        assertEquals(EvaluationStage.combinedSha(runs), json.get("provenance").get("dataManifestSha256").asText());
        assertEquals(3, json.get("runs").size());
        double[] mig = report.runs().stream().mapToDouble(r -> r.result().values().get("mig")).toArray();
        double mean = (mig[0] + mig[1] + mig[2]) / 3;
        double std = Math.sqrt(((mig[0] - mean) * (mig[0] - mean) + (mig[1] - mean) * (mig[1] - mean) + (mig[2] - mean) * (mig[2] - mean)) / 2);
        assertEquals(mean, json.get("summary").get("mig").get("mean").asDouble(), 1e-12);
        assertEquals(std, json.get("summary").get("mig").get("std").asDouble(), 1e-12);
        String md = Files.readString(out.resolve(Reports.MARKDOWN));
        assertTrue(md.contains(String.format(java.util.Locale.ROOT, "%.3f ± %.3f", mean, std)), md);
        assertTrue(md.contains("| seed1 |"), md);
        String html = Files.readString(out.resolve(Reports.HTML));
        assertTrue(html.contains("<th>dci.disentanglement</th>") && html.contains("mean &plusmn; std (n=3)"), html);
        // no temporary files left; codes beside the report recompute the same metrics without re-encoding
        try (var s = Files.walk(out)) {
            assertTrue(s.noneMatch(p -> p.getFileName().toString().startsWith(".")));
        }
        EvaluationRun again = CodesFile.read(out.resolve(json.get("runs").get(1).get("codes").asText()).toString(), "again", new Configuration(), 1);
        assertEquals(report.runs().get(1).result().values(), suite.run(again.data(), 1).values());
    }
}
