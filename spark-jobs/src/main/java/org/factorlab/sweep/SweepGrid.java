package org.factorlab.sweep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.factorlab.provenance.Digests;
import org.factorlab.train.Seeds;

/**
 * The points of a spec: the product of the grid axes, times the random-search trials (if any), times the seeds.
 * Ids are derived from the values, never from positions, so adding an axis value (or a trial, or a seed) leaves every
 * existing point's id, and so its run directory, unchanged.
 */
public final class SweepGrid {
    private static final int MAX_ID = 96;

    private SweepGrid() {
    }

    /** Every point of the spec, random-search trials drawn by {@link #sample}. */
    public static List<SweepPoint> points(SweepSpec spec) {
        var trials = new ArrayList<Map<String, String>>();
        for (int t = 0; t < spec.random().trials(); t++) trials.add(sample(spec.random(), t));
        return points(spec, trials);
    }

    /** The points with the given values of trials 0, 1, ... (a sequential search knows only the first few). */
    public static List<SweepPoint> points(SweepSpec spec, List<Map<String, String>> trials) {
        List<Map<String, String>> configs = new ArrayList<>();
        configs.add(new LinkedHashMap<>());
        for (var axis : spec.grid().entrySet()) {
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> c : configs)
                for (String v : axis.getValue()) {
                    var m = new LinkedHashMap<>(c);
                    m.put(axis.getKey(), v);
                    next.add(m);
                }
            configs = next;
        }
        List<String> trialNames = new ArrayList<>();
        if (!trials.isEmpty()) {
            List<Map<String, String>> next = new ArrayList<>();
            for (Map<String, String> c : configs)
                for (int t = 0; t < trials.size(); t++) {
                    var m = new LinkedHashMap<>(c);
                    m.putAll(trials.get(t));
                    next.add(m);
                    trialNames.add(String.format(Locale.ROOT, "trial-%04d", t));
                }
            configs = next;
        }
        var out = new ArrayList<SweepPoint>();
        var groups = new java.util.HashSet<String>();
        for (int i = 0; i < configs.size(); i++) {
            Map<String, String> c = configs.get(i);
            var gridPart = new LinkedHashMap<String, String>();
            c.forEach((k, v) -> { if (spec.grid().containsKey(k)) gridPart.put(k, v); });
            String group = groupId(gridPart, trialNames.isEmpty() ? null : trialNames.get(i));
            if (!groups.add(group)) throw new IllegalStateException("two configs share the id " + group);
            for (long seed : spec.seeds()) out.add(new SweepPoint(group + "_seed-" + seed, group, c, seed));
        }
        return out;
    }

    /**
     * The values of trial {@code t}: a pure function of (sampler seed, trial, key), so a trial keeps its values when
     * trials are added, and each key's draw does not depend on the other keys.
     */
    static Map<String, String> sample(SweepSpec.Random random, int trial) {
        var out = new LinkedHashMap<String, String>();
        for (var e : random.params().entrySet()) {
            long s = Seeds.mix(Seeds.step(random.seed(), trial) ^ Seeds.mix(e.getKey().hashCode()));
            SplittableRandom rng = new SplittableRandom(s);
            SweepSpec.Param p = e.getValue();
            String v = switch (p.distribution()) {
                case CHOICE -> p.values().get(rng.nextInt(p.values().size()));
                case UNIFORM -> {
                    double lo = Double.parseDouble(p.values().get(0)), hi = Double.parseDouble(p.values().get(1));
                    yield Double.toString(lo + rng.nextDouble() * (hi - lo));
                }
                case LOGUNIFORM -> {
                    double lo = Math.log(Double.parseDouble(p.values().get(0))), hi = Math.log(Double.parseDouble(p.values().get(1)));
                    yield Double.toString(Math.exp(lo + rng.nextDouble() * (hi - lo)));
                }
            };
            out.put(e.getKey(), v);
        }
        return out;
    }

    /** {@code key-value_key-value} (or {@code base}, or the trial name), made safe for a directory name. */
    static String groupId(Map<String, String> grid, String trial) {
        var parts = new ArrayList<String>();
        grid.forEach((k, v) -> parts.add(k + "-" + SweepSpec.display(v)));
        if (trial != null) parts.add(trial);
        String raw = parts.isEmpty() ? "base" : String.join("_", parts);
        String safe = raw.replaceAll("[^A-Za-z0-9._-]", "x");
        if (safe.equals(raw) && safe.length() <= MAX_ID) return safe;
        String hash = Digests.sha256Hex(raw).substring(0, 10);
        return safe.substring(0, Math.min(safe.length(), MAX_ID - 11)) + "-" + hash;
    }
}
