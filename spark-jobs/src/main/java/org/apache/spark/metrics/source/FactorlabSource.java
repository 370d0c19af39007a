package org.apache.spark.metrics.source;

import com.codahale.metrics.MetricRegistry;

/**
 * Exposes a Factorlab {@link MetricRegistry} as a Spark metrics source, so every configured Spark sink (JMX, CSV,
 * Prometheus servlet, Graphite, ...) reports it next to Spark's own metrics. Spark declares {@code Source}
 * {@code private[spark]}; this adapter lives in Spark's package, the documented way to implement it outside Spark.
 */
public final class FactorlabSource implements Source {
    private final String name;
    private final MetricRegistry registry;

    public FactorlabSource(String name, MetricRegistry registry) {
        this.name = name;
        this.registry = registry;
    }

    @Override
    public String sourceName() {
        return name;
    }

    @Override
    public MetricRegistry metricRegistry() {
        return registry;
    }
}
