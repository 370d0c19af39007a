package org.factorlab.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.stream.Stream;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerJobStart;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The job's metrics reach Spark's sinks (here the CSV sink), and Spark jobs are described by their round. */
class TrainMetricsTest {
    @TempDir
    Path tmp;

    @Test
    void metricsReachSparksCsvSinkAndJobsNameTheirRound() throws Exception {
        Path csv = Files.createDirectories(tmp.resolve("metrics"));
        TrainJobParams p = SparkTests.params(tmp.resolve("run"), "adam", 0.01).rounds(2).build();
        SparkConf conf = TrainJob.sparkConf(p).setMaster("local[2]")
                .set("spark.metrics.conf.driver.sink.csv.class", "org.apache.spark.metrics.sink.CsvSink")
                .set("spark.metrics.conf.driver.sink.csv.period", "1")
                .set("spark.metrics.conf.driver.sink.csv.unit", "seconds")
                .set("spark.metrics.conf.driver.sink.csv.directory", csv.toString());
        List<String> descriptions = new CopyOnWriteArrayList<>();
        TrainResult r;
        try (JavaSparkContext sc = new JavaSparkContext(new SparkContext(conf))) {
            sc.sc().addSparkListener(new SparkListener() {
                @Override
                public void onJobStart(SparkListenerJobStart start) {
                    descriptions.add(start.properties().getProperty("spark.job.description"));
                }
            });
            r = TrainJob.run(sc, p);
            sc.sc().listenerBus().waitUntilEmpty();
        }
        assertTrue(descriptions.stream().anyMatch(d -> d != null && d.startsWith("factorlab train round 1/2")), descriptions.toString());
        assertTrue(descriptions.stream().anyMatch(d -> d != null && d.startsWith("factorlab train round 2/2")), descriptions.toString());

        double lastLoss = r.history().get(1).loss();
        assertEquals(lastLoss, lastValue(csv, "factorlab.train.loss.csv"), 1e-12);
        assertEquals(2.0, lastValue(csv, "factorlab.train.round.csv"));
        for (String m : List.of(TrainMetrics.IMAGES, TrainMetrics.STEP_TIME, TrainMetrics.AVERAGING_TIME,
                TrainMetrics.DATA_WAIT_TIME, TrainMetrics.CHECKPOINT_TIME, TrainMetrics.GRADIENT_NORM,
                TrainMetrics.PARAMETER_NORM, TrainMetrics.IMAGES_PER_SECOND))
            assertTrue(find(csv, "factorlab.train." + m + ".csv") != null, m);
        assertTrue(lastValue(csv, "factorlab.train.gradientNorm.csv") > 0);
    }

    private static Path find(Path dir, String suffix) throws IOException {
        try (Stream<Path> s = Files.list(dir)) {
            return s.filter(f -> f.getFileName().toString().endsWith(suffix)).findFirst().orElse(null);
        }
    }

    /** A gauge's CSV file: header "t,value", one line per report; the last value. */
    private static double lastValue(Path dir, String suffix) throws IOException {
        Path f = find(dir, suffix);
        assertTrue(f != null, "no CSV file *" + suffix);
        List<String> lines = Files.readAllLines(f);
        String last = lines.get(lines.size() - 1);
        return Double.parseDouble(last.substring(last.indexOf(',') + 1));
    }
}
