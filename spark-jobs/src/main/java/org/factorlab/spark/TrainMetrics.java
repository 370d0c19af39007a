package org.factorlab.spark;

import com.codahale.metrics.Gauge;
import com.codahale.metrics.Meter;
import com.codahale.metrics.MetricRegistry;
import com.codahale.metrics.Timer;
import java.util.concurrent.TimeUnit;
import org.apache.spark.SparkEnv;
import org.apache.spark.metrics.source.FactorlabSource;

/**
 * The training job's metrics, in a Dropwizard registry that is registered as the Spark metrics source
 * {@value #SOURCE}: Spark's sinks report them as {@code <app>.driver.factorlab.train.<metric>}.
 */
public final class TrainMetrics implements AutoCloseable {
    public static final String SOURCE = "factorlab.train";
    public static final String IMAGES = "images";
    public static final String IMAGES_PER_SECOND = "imagesPerSecond";
    public static final String ROUND_TIME = "roundTime";
    public static final String STEP_TIME = "stepTime";
    public static final String AVERAGING_TIME = "averagingTime";
    public static final String DATA_WAIT_TIME = "dataWaitTime";
    public static final String CHECKPOINT_TIME = "checkpointTime";
    public static final String LOSS = "loss";
    public static final String GRADIENT_NORM = "gradientNorm";
    public static final String PARAMETER_NORM = "parameterNorm";
    public static final String UPDATE_NORM = "updateNorm";
    public static final String ROUND = "round";
    public static final String SESSIONS_CREATED = "sessionsCreated";

    private final MetricRegistry registry = new MetricRegistry();
    private final Meter images = registry.meter(IMAGES);
    private final Timer roundTime = registry.timer(ROUND_TIME);
    private final Timer stepTime = registry.timer(STEP_TIME);
    private final Timer averagingTime = registry.timer(AVERAGING_TIME);
    private final Timer dataWaitTime = registry.timer(DATA_WAIT_TIME);
    private final Timer checkpointTime = registry.timer(CHECKPOINT_TIME);
    private final com.codahale.metrics.Counter sessionsCreated = registry.counter(SESSIONS_CREATED);
    private volatile double loss = Double.NaN;
    private final java.util.Map<String, Double> terms = new java.util.concurrent.ConcurrentHashMap<>();
    private volatile double imagesPerSecond = Double.NaN;
    private volatile double gradientNorm = Double.NaN;
    private volatile double parameterNorm = Double.NaN;
    private volatile double updateNorm = Double.NaN;
    private volatile int round;
    private FactorlabSource source;

    public TrainMetrics() {
        registry.register(LOSS, (Gauge<Double>) () -> loss);
        registry.register(IMAGES_PER_SECOND, (Gauge<Double>) () -> imagesPerSecond);
        registry.register(GRADIENT_NORM, (Gauge<Double>) () -> gradientNorm);
        registry.register(PARAMETER_NORM, (Gauge<Double>) () -> parameterNorm);
        registry.register(UPDATE_NORM, (Gauge<Double>) () -> updateNorm);
        registry.register(ROUND, (Gauge<Integer>) () -> round);
    }

    public MetricRegistry registry() {
        return registry;
    }

    /** Registers the registry with the running SparkContext's metrics system (the driver's). */
    void registerWithSpark() {
        SparkEnv env = SparkEnv.get();
        if (env == null) return;
        source = new FactorlabSource(SOURCE, registry);
        env.metricsSystem().registerSource(source);
    }

    void record(RoundStats s, int sessions, long images) {
        for (var e : s.terms().entrySet()) {
            // one gauge per named loss term, registered the first time it is reported: loss.recon, loss.kl, ...
            if (!terms.containsKey(e.getKey())) {
                String name = e.getKey();
                registry.register(LOSS + "." + name, (Gauge<Double>) () -> terms.getOrDefault(name, Double.NaN));
            }
            terms.put(e.getKey(), e.getValue());
        }
        round = s.round();
        loss = s.loss();
        imagesPerSecond = s.imagesPerSecond();
        gradientNorm = s.gradientNorm();
        parameterNorm = s.parameterNorm();
        updateNorm = s.updateNorm();
        this.images.mark(images);
        roundTime.update(nanos(s.roundSeconds()), TimeUnit.NANOSECONDS);
        stepTime.update(nanos(s.stepSeconds()), TimeUnit.NANOSECONDS);
        averagingTime.update(nanos(s.averagingSeconds()), TimeUnit.NANOSECONDS);
        dataWaitTime.update(nanos(s.dataWaitSeconds()), TimeUnit.NANOSECONDS);
        sessionsCreated.inc(sessions);
    }

    void recordCheckpoint(long nanos) {
        checkpointTime.update(nanos, TimeUnit.NANOSECONDS);
    }

    private static long nanos(double seconds) {
        return Math.round(seconds * 1e9);
    }

    @Override
    public void close() {
        SparkEnv env = SparkEnv.get();
        if (source != null && env != null) {
            env.metricsSystem().report();
            env.metricsSystem().removeSource(source);
        }
        source = null;
    }
}
