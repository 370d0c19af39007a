package org.factorlab.sweep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One point of a sweep: the config keys it sets (YAML value text, in axis order), its seed, and the ids that name it.
 * {@code id} names its run directory {@code points/<id>/}; {@code group} is the same without the seed, so points that
 * differ only in their seed share a group (a row of the results table).
 */
public record SweepPoint(String id, String group, Map<String, String> settings, long seed) {
    public SweepPoint {
        settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
    }

    /** The {@code --set} overrides of this point: every setting, then {@code train.seed}. */
    public List<String> overrides() {
        var out = new ArrayList<String>();
        settings.forEach((k, v) -> out.add(k + "=" + v));
        out.add("train.seed=" + seed);
        return out;
    }

    /** The group as people read it: {@code key=value, key=value} ("base config" when nothing is set). */
    public String groupLabel() {
        return label(settings);
    }

    static String label(Map<String, String> settings) {
        if (settings.isEmpty()) return "base config";
        var parts = new ArrayList<String>();
        settings.forEach((k, v) -> parts.add(k + "=" + SweepSpec.display(v)));
        return String.join(", ", parts);
    }
}
