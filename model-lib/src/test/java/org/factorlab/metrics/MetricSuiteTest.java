package org.factorlab.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import org.junit.jupiter.api.Test;

class MetricSuiteTest {
    static final CodesAndFactors DATA = Fixtures.mixed(1500, new int[]{5, 4, 6}, 2, 0.2, 0.05, 21);

    @Test
    void tasksSplitPerFactorWhereTheMetricDoes() {
        List<MetricTask> tasks = MetricSuite.all(Fixtures.small()).tasks(DATA);
        assertEquals(3 * 3 + 4, tasks.size());
        assertEquals(3, tasks.stream().filter(t -> t.metric() == MetricKind.DCI).count());
        assertEquals(3, tasks.stream().filter(t -> t.metric() == MetricKind.SAP).count());
        assertEquals(3, tasks.stream().filter(t -> t.metric() == MetricKind.EXPLICITNESS).count());
        assertEquals(1, tasks.stream().filter(t -> t.metric() == MetricKind.MIG).count());
    }

    @Test
    void tasksRunInAnyOrderAndAnywhereGiveTheSequentialResult() throws Exception {
        MetricSuite suite = MetricSuite.all(Fixtures.small());
        SuiteResult sequential = suite.run(DATA, 1);
        // run the tasks in reverse order, on a serialised copy of the data (as a Spark executor would), and
        // pass the results back through serialisation too
        CodesAndFactors copy = roundTrip(DATA);
        List<MetricTask> tasks = new ArrayList<>(suite.tasks(DATA));
        Collections.reverse(tasks);
        List<TaskResult> results = new ArrayList<>();
        for (MetricTask t : tasks) results.add(roundTrip(roundTrip(t).run(copy, suite.config())));
        SuiteResult combined = suite.combine(DATA, results);
        assertEquals(sequential.values(), combined.values());
        assertEquals(sequential.values(), suite.run(DATA, 3).values());
        assertEquals(sequential.diagnostics(), combined.diagnostics());
        // a different seed gives different sampled rows
        assertEquals(false, sequential.values().equals(new MetricSuite(suite.metrics(), suite.config().withSeed(1)).run(DATA, 2).values()));
    }

    @Test
    void missingOrDuplicatedPartsAreErrors() {
        MetricSuite suite = new MetricSuite(List.of(MetricKind.SAP), Fixtures.small());
        List<TaskResult> results = new ArrayList<>();
        for (MetricTask t : suite.tasks(DATA)) results.add(t.run(DATA, suite.config()));
        results.remove(1);
        assertThrows(IllegalArgumentException.class, () -> suite.combine(DATA, results));
        results.add(results.get(0));
        assertThrows(IllegalArgumentException.class, () -> suite.combine(DATA, results));
    }

    @Test
    void metricListsParse() {
        assertEquals(List.of(MetricKind.DCI, MetricKind.MIG), MetricKind.parseList("mig, DCI,mig"));
        assertEquals(List.of(MetricKind.values()), MetricKind.parseList("all"));
        assertEquals(List.of(MetricKind.MIG), MetricKind.parseList("discrete-mig"));
        var e = assertThrows(IllegalArgumentException.class, () -> MetricKind.parseList("mig,bogus"));
        assertEquals(true, e.getMessage().contains("bogus"));
    }

    @Test
    void rowsUsedAreTheSplitTheMetricScores() {
        MetricSuite suite = MetricSuite.all(Fixtures.small());
        List<int[]> dci = suite.rowsUsed(MetricKind.DCI, DATA);
        assertEquals(2, dci.size());
        // 1500 rows for 1000 train + 1000 test requested: split in the requested proportion
        assertEquals(750, dci.get(0).length);
        assertEquals(750, dci.get(1).length);
        java.util.Set<Integer> train = new java.util.HashSet<>();
        for (int r : dci.get(0)) train.add(r);
        for (int r : dci.get(1)) assertEquals(false, train.contains(r));
    }

    @SuppressWarnings("unchecked")
    static <T> T roundTrip(T o) throws Exception {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(b)) {
            out.writeObject(o);
        }
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(b.toByteArray()))) {
            return (T) in.readObject();
        }
    }
}
