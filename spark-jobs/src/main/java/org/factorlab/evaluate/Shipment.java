package org.factorlab.evaluate;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.ObjectInputStream;
import java.io.ObjectOutputStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.broadcast.Broadcast;
import org.factorlab.metrics.MetricTask;
import org.factorlab.metrics.MetricsConfig;
import org.factorlab.metrics.TaskResult;
import scala.Tuple2;

/**
 * What the evaluation stage broadcasts: every run's codes, the task list and the config, Java-serialised into
 * one byte array (independent of spark.serializer). Each executor JVM deserialises a broadcast once and keeps it
 * while the stage runs.
 */
final class Shipment implements Serializable {
    private static final long serialVersionUID = 1L;
    private static final Map<Long, Shipment> CACHE = new ConcurrentHashMap<>();

    record Work(int run, MetricTask task) implements Serializable {
    }

    private final List<EvaluationRun> runs;
    private final List<Work> work;
    private final MetricsConfig config;

    Shipment(List<EvaluationRun> runs, List<Work> work, MetricsConfig config) {
        this.runs = List.copyOf(runs);
        this.work = List.copyOf(work);
        this.config = config;
    }

    /**
     * Drops the cached copy of broadcast {@code id}. Broadcast ids restart with every SparkContext, so in local mode
     * (executor = driver JVM) a later context's broadcast would otherwise hit an earlier context's shipment.
     */
    static void forget(long id) {
        CACHE.remove(id);
    }

    static Shipment of(Broadcast<byte[]> b) {
        return CACHE.computeIfAbsent(b.id(), id -> {
            // only one stage's data stays cached per JVM
            CACHE.keySet().removeIf(k -> k != (long) id);
            return (Shipment) fromBytes(b.value());
        });
    }

    /** Runs work item {@code i}; returns (run index, result). */
    Tuple2<Integer, TaskResult> run(int i) {
        Work w = work.get(i);
        return new Tuple2<>(w.run(), w.task().run(runs.get(w.run()).data(), config));
    }

    static byte[] toBytes(Object o) {
        ByteArrayOutputStream b = new ByteArrayOutputStream();
        try (ObjectOutputStream out = new ObjectOutputStream(b)) {
            out.writeObject(o);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        return b.toByteArray();
    }

    @SuppressWarnings("unchecked")
    static <T> T fromBytes(byte[] bytes) {
        try (ObjectInputStream in = new ObjectInputStream(new ByteArrayInputStream(bytes))) {
            return (T) in.readObject();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (ClassNotFoundException e) {
            throw new IllegalStateException(e);
        }
    }
}
