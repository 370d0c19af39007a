package org.factorlab.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The loss terms of one training step by name, in the family's order; {@value #TOTAL} is always present and is the
 * value the optimizer minimised (for families with several parameter groups, the sum of the groups' objectives).
 */
public record Losses(Map<String, Double> values) {
    public static final String TOTAL = "total";

    public Losses {
        if (!values.containsKey(TOTAL)) throw new IllegalArgumentException("losses must include '" + TOTAL + "', got " + values.keySet());
        values = Collections.unmodifiableMap(new LinkedHashMap<>(values));
    }

    public static Losses ofTotal(double total) {
        return new Losses(Map.of(TOTAL, total));
    }

    public double total() {
        return values.get(TOTAL);
    }

    public double get(String name) {
        Double v = values.get(name);
        if (v == null) throw new IllegalArgumentException("no loss '" + name + "'; have " + values.keySet());
        return v;
    }

    public List<String> names() {
        return List.copyOf(values.keySet());
    }

    public boolean allFinite() {
        for (double v : values.values()) if (!Double.isFinite(v)) return false;
        return true;
    }
}
