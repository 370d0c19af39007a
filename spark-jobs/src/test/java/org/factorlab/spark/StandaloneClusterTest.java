package org.factorlab.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.scheduler.SparkListener;
import org.apache.spark.scheduler.SparkListenerExecutorRemoved;
import org.apache.spark.scheduler.SparkListenerTaskEnd;
import org.factorlab.evaluate.EvaluationRun;
import org.factorlab.evaluate.EvaluationStage;
import org.factorlab.evaluate.MetricsBenchmark;
import org.factorlab.metrics.MetricKind;
import org.factorlab.metrics.MetricSuite;
import org.factorlab.metrics.MetricsConfig;
import org.factorlab.train.TrainingState;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The training job and the evaluation stage on a real Spark standalone cluster: two executors in JVMs of their own
 * ({@link LocalStandaloneCluster}), so parameters and updater state (through the {@link StateExchange}), the frozen
 * parents' broadcast and the task results (through Kryo) cross process boundaries and the network, as on YARN or
 * Kubernetes. Every result is compared with the
 * same computation on local[2] or on one machine. The last test SIGKILLs an executor JVM mid-round.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class StandaloneClusterTest {
    @TempDir
    static Path tmp;
    static LocalStandaloneCluster cluster;
    static JavaSparkContext sc;
    static TrainResult localAdam;
    static Map<String, Double> localMetrics;
    static final Set<String> TASK_EXECUTORS = ConcurrentHashMap.newKeySet();
    static final Set<String> REMOVED_EXECUTORS = ConcurrentHashMap.newKeySet();

    /** Two workers, Adam, two steps per round: the configuration whose local[2] result the cluster must reproduce. */
    static TrainJobParams.Builder adam(String run) {
        return SparkTests.params(tmp.resolve(run), "adam", 0.01).workers(2).averagingFrequency(2).rounds(3);
    }

    static final MetricSuite SUITE = new MetricSuite(List.of(MetricKind.FACTOR_VAE, MetricKind.MIG, MetricKind.SAP,
            MetricKind.MODULARITY, MetricKind.MCC), smallMetrics());

    static MetricsConfig smallMetrics() {
        MetricsConfig d = MetricsConfig.defaults();
        return new MetricsConfig(0, new MetricsConfig.FactorVae(64, 500, 250, 1000, 0.05), d.dci(), d.mig(), d.sap(),
                d.modularity(), d.explicitness(), d.mcc());
    }

    static List<EvaluationRun> evaluationRuns() {
        return List.of(new EvaluationRun("synthetic", MetricsBenchmark.syntheticShapes3d(800, 6, 3), "memory", "0".repeat(64)));
    }

    @BeforeAll
    static void start() throws Exception {
        // references first, on local[2] in this JVM (one SparkContext per JVM at a time)
        try (JavaSparkContext local = SparkTests.context("local[2]", adam("local").build())) {
            localAdam = TrainJob.run(local, adam("local").build());
            localMetrics = EvaluationStage.score(local, evaluationRuns(), SUITE, "metrics").runs().get(0).result().values();
        }
        cluster = LocalStandaloneCluster.start(tmp.resolve("cluster"), 2, 768);
        sc = new JavaSparkContext(new SparkContext(cluster.configure(TrainJob.sparkConf(adam("x").build()))
                .setAppName("standalone-cluster-test")));
        sc.sc().addSparkListener(new SparkListener() {
            @Override
            public void onTaskEnd(SparkListenerTaskEnd end) {
                TASK_EXECUTORS.add(end.taskInfo().executorId());
            }

            @Override
            public void onExecutorRemoved(SparkListenerExecutorRemoved removed) {
                REMOVED_EXECUTORS.add(removed.executorId());
            }
        });
    }

    @AfterAll
    static void stop() {
        if (sc != null) sc.close();
        if (cluster != null) cluster.close();
    }

    @Test
    @Order(1)
    void twoWorkersInTwoExecutorJvmsReproduceLocal2BitForBit() throws Exception {
        assertEquals(2, cluster.executorProcesses().size(), "two executor JVMs");
        TASK_EXECUTORS.clear();
        TrainResult r = TrainJob.run(sc, adam("cluster").build());
        sc.sc().listenerBus().waitUntilEmpty();
        assertEquals(2, TASK_EXECUTORS.size(), "the round's tasks ran on both executors: " + TASK_EXECUTORS);
        assertTrue(!TASK_EXECUTORS.contains("driver"), TASK_EXECUTORS.toString());
        // Two workers: a + b is b + a in float32, so the order in which results arrive cannot change a bit.
        assertSame(localAdam, r);
        assertEquals(3, r.history().size());
    }

    @Test
    @Order(2)
    void oneWorkerEqualsSingleMachineTrainingExactly() {
        TrainJobParams p = SparkTests.params(tmp.resolve("one"), "adam", 0.01).workers(1).averagingFrequency(3).rounds(2).build();
        TrainResult r = TrainJob.run(sc, p);
        TrainingState single = SparkTests.singleMachine(p);
        assertEquals(6, r.state().step());
        SparkTests.assertSameArrays(single.parameters(), r.state().parameters());
        SparkTests.assertSameArrays(single.updaterState(), r.state().updaterState());
    }

    @Test
    @Order(3)
    void twoWorkersAveragingEveryStepEqualCombinedBatchSgd() {
        TrainJobParams p = SparkTests.params(tmp.resolve("sgd"), "sgd", 0.5).workers(2).averagingFrequency(1).rounds(3).build();
        TrainResult r = TrainJob.run(sc, p);
        TrainingState single = SparkTests.singleMachineCombined(p);
        double diff = SparkTests.maxAbsDiff(single.parameters(), r.state().parameters());
        assertTrue(diff <= 1e-6, "max |cluster - single machine| = " + diff);
    }

    @Test
    @Order(4)
    void evaluationStageGivesTheMetricsOfLocal2() {
        Map<String, Double> onCluster = EvaluationStage.score(sc, evaluationRuns(), SUITE, "metrics").runs().get(0).result().values();
        assertEquals(localMetrics, onCluster);
        assertTrue(localMetrics.size() >= 5, localMetrics.toString());
    }

    @Test
    @Order(5)
    void executorKilledMidRoundIsSurvivedWithTheUninterruptedResult() throws Exception {
        List<Long> before = cluster.executorProcesses().stream().map(ProcessHandle::pid).toList();
        REMOVED_EXECUTORS.clear();
        // worker 1's executor SIGKILLs itself after the first of its two minibatches of round 2 (round index 1)
        TrainResult r = TrainJob.run(sc, adam("killed").sparkConf(FaultInjection.KILL_EXECUTOR_ONCE, "1:1").build());
        sc.sc().listenerBus().waitUntilEmpty();
        assertEquals(1, REMOVED_EXECUTORS.size(), "one executor was lost: " + REMOVED_EXECUTORS);
        List<Long> after = cluster.executorProcesses().stream().map(ProcessHandle::pid).toList();
        assertNotEquals(before, after, "an executor JVM died (before " + before + ", after " + after + ")");
        assertSame(localAdam, r);
    }

    private static void assertSame(TrainResult expected, TrainResult actual) {
        assertEquals(expected.state().step(), actual.state().step());
        SparkTests.assertSameArrays(expected.state().parameters(), actual.state().parameters());
        SparkTests.assertSameArrays(expected.state().updaterState(), actual.state().updaterState());
        SparkTests.assertSameArrays(expected.ema(), actual.ema());
        assertEquals(expected.history().stream().map(RoundStats::loss).toList(), actual.history().stream().map(RoundStats::loss).toList());
    }
}
