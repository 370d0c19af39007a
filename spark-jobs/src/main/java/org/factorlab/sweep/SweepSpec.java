package org.factorlab.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.factorlab.config.ConfigTree;
import org.factorlab.metrics.MetricKind;

/**
 * A sweep: the model, its base config and data, a budget per point, and the axes (seeds, config keys with lists of
 * values, random-search ranges). Read from YAML over {@code sweep-defaults.yaml}: an unknown key is an error naming
 * it. Axis values are kept as YAML text exactly as {@code --set key=value} takes them.
 */
public record SweepSpec(String model, String config, String data, Budget budget, List<Long> seeds,
                        Map<String, List<String>> grid, Random random, Evaluation evaluation, Rank rank, Training training) {
    static final ObjectMapper JSON = new ObjectMapper();
    private static final String DEFAULTS = ConfigTree.resource(SweepSpec.class, "sweep-defaults.yaml");

    public SweepSpec {
        seeds = List.copyOf(seeds);
        grid = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(grid));
    }

    /** Steps per point (0: none) and wall seconds of training per point and attempt (0: none); at least one is set. */
    public record Budget(long steps, double wallSeconds) {
        public Budget {
            if (steps < 0) throw new IllegalArgumentException("budget.steps: must be >= 0, got " + steps);
            if (!(wallSeconds >= 0)) throw new IllegalArgumentException("budget.wallSeconds: must be >= 0, got " + wallSeconds);
            if (steps == 0 && wallSeconds == 0) throw new IllegalArgumentException("budget: set steps, wallSeconds or both");
        }
    }

    /** The distributions of random search. */
    public enum Distribution { UNIFORM, LOGUNIFORM, CHOICE }

    /** One random-search parameter: a range [lo, hi] (uniform, loguniform) or values to choose from. */
    public record Param(Distribution distribution, List<String> values) {
        public Param {
            values = List.copyOf(values);
        }
    }

    /** How trials are drawn: independently from the ranges, or by a sequential TPE search on the rank metric. */
    public enum Method { RANDOM, TPE }

    public record Random(Method method, int trials, long seed, int startup, int batch, Map<String, Param> params) {
        public Random {
            params = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(params));
            java.util.Objects.requireNonNull(method, "random.method");
            if (startup < 1) throw new IllegalArgumentException("random.startup: must be >= 1, got " + startup);
            if (batch < 1) throw new IllegalArgumentException("random.batch: must be >= 1, got " + batch);
            if (trials < 0) throw new IllegalArgumentException("random.trials: must be >= 0, got " + trials);
            if (trials > 0 && params.isEmpty()) throw new IllegalArgumentException("random.trials: " + trials + " trials but random.params is empty");
        }
    }

    public record Evaluation(String metrics, String config, List<String> set, int batchSize, int runsPerStage) {
        public Evaluation {
            set = List.copyOf(set);
            MetricKind.parseList(metrics);
            if (batchSize < 1) throw new IllegalArgumentException("evaluation.batchSize: must be >= 1, got " + batchSize);
            if (runsPerStage < 1) throw new IllegalArgumentException("evaluation.runsPerStage: must be >= 1, got " + runsPerStage);
        }
    }

    public enum Order { MAX, MIN }

    /** Rank groups and points by a headline metric ("" for none). */
    public record Rank(String metric, Order order) {
    }

    /** How points train: one Spark task each, in parallel; or each with parameter averaging on all executors, in turn. */
    public enum Mode { TASK, AVERAGED }

    public record Training(Mode mode, int checkpointEvery, int keepCheckpoints, int parallelism, int workers, int averagingFrequency) {
        public Training {
            java.util.Objects.requireNonNull(mode, "training.mode");
            if (workers < 0) throw new IllegalArgumentException("training.workers: must be >= 0, got " + workers);
            if (averagingFrequency < 1) throw new IllegalArgumentException("training.averagingFrequency: must be >= 1, got " + averagingFrequency);
            if (checkpointEvery < 1) throw new IllegalArgumentException("training.checkpointEvery: must be >= 1, got " + checkpointEvery);
            if (keepCheckpoints < 1) throw new IllegalArgumentException("training.keepCheckpoints: must be >= 1, got " + keepCheckpoints);
            if (parallelism < 0) throw new IllegalArgumentException("training.parallelism: must be >= 0, got " + parallelism);
        }
    }

    /** Parses a spec; {@code source} (the file) is named in every error. */
    public static SweepSpec parse(String text, String source) {
        return parse(text, List.of(), source);
    }

    /**
     * Parses a spec with {@code key.path=value} overrides of its fixed keys ({@code data=...}, {@code budget.steps=5000});
     * the axes ({@code grid}, {@code random.params}) are set in the file only.
     */
    public static SweepSpec parse(String text, List<String> overrides, String source) {
        for (String o : overrides)
            if (o.startsWith("grid") || o.startsWith("random.params"))
                throw new IllegalArgumentException("--set " + o + ": axes are set in the spec file, not with --set");
        ObjectNode user = ConfigTree.readMapping(text, source);
        JsonNode grid = user.remove("grid");
        JsonNode params = user.path("random").isObject() ? ((ObjectNode) user.get("random")).remove("params") : null;
        ObjectNode tree = ConfigTree.merge(DEFAULTS, ConfigTree.toYaml(user), overrides, source);
        String model = required(tree, "model", source);
        String config = required(tree, "config", source);
        String data = required(tree, "data", source);
        try {
            Budget budget = ConfigTree.bind(tree.get("budget"), Budget.class, source + " [budget]");
            List<Long> seeds = new ArrayList<>();
            JsonNode s = tree.get("seeds");
            if (!s.isArray() || s.isEmpty()) throw new IllegalArgumentException(source + " [seeds]: expected a non-empty list of integers");
            for (JsonNode n : s) {
                if (!n.canConvertToLong() || !n.isIntegralNumber()) throw new IllegalArgumentException(source + " [seeds]: '" + n + "' is not an integer");
                if (seeds.contains(n.asLong())) throw new IllegalArgumentException(source + " [seeds]: " + n + " appears twice");
                seeds.add(n.asLong());
            }
            Map<String, List<String>> axes = new LinkedHashMap<>();
            if (grid != null && !grid.isNull()) {
                if (!grid.isObject()) throw new IllegalArgumentException(source + " [grid]: expected a mapping of config keys to lists of values");
                grid.fields().forEachRemaining(e -> axes.put(e.getKey(), values(e.getValue(), source + " [grid." + e.getKey() + "]")));
            }
            JsonNode r = tree.get("random");
            Map<String, Param> ps = new LinkedHashMap<>();
            if (params != null && !params.isNull()) {
                if (!params.isObject()) throw new IllegalArgumentException(source + " [random.params]: expected a mapping of config keys to distributions");
                params.fields().forEachRemaining(e -> ps.put(e.getKey(), param(e.getValue(), source + " [random.params." + e.getKey() + "]")));
            }
            for (String k : ps.keySet())
                if (axes.containsKey(k)) throw new IllegalArgumentException(source + " [random.params." + k + "]: also a grid axis; give a key one or the other");
            for (String k : axes.keySet()) checkKey(k, source + " [grid." + k + "]");
            for (String k : ps.keySet()) checkKey(k, source + " [random.params." + k + "]");
            Random random = new Random(ConfigTree.bind(r.get("method"), Method.class, source + " [random.method]"), r.get("trials").asInt(),
                    r.get("seed").asLong(), r.get("startup").asInt(), r.get("batch").asInt(), ps);
            Evaluation evaluation = ConfigTree.bind(tree.get("evaluation"), Evaluation.class, source + " [evaluation]");
            Rank rank = ConfigTree.bind(tree.get("rank"), Rank.class, source + " [rank]");
            if (!rank.metric().isEmpty()) {
                var known = new ArrayList<String>();
                MetricKind.parseList(evaluation.metrics()).forEach(m -> known.addAll(m.headline()));
                if (!known.contains(rank.metric()))
                    throw new IllegalArgumentException(source + " [rank.metric]: '" + rank.metric() + "' is not a headline value of the evaluated metrics; known: " + known);
            }
            Training training = ConfigTree.bind(tree.get("training"), Training.class, source + " [training]");
            if (random.method() == Method.TPE && random.trials() > 0) {
                if (rank.metric().isEmpty()) throw new IllegalArgumentException(source + " [random.method]: tpe searches on rank.metric; set it");
                if (!axes.isEmpty()) throw new IllegalArgumentException(source + " [random.method]: tpe takes no grid axes (each trial is one group)");
            }
            return new SweepSpec(model, config, data, budget, seeds, axes, random, evaluation, rank, training);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(source)) throw e;
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }

    private static void checkKey(String key, String where) {
        if (key.equals("train.seed")) throw new IllegalArgumentException(where + ": the seed is the 'seeds' axis");
        if (!key.matches("[A-Za-z0-9_]+(\\.[A-Za-z0-9_]+)*")) throw new IllegalArgumentException(where + ": not a config key path");
    }

    private static String required(JsonNode tree, String key, String source) {
        String v = tree.get(key).asText();
        if (v.isBlank()) throw new IllegalArgumentException(source + " [" + key + "]: required");
        return v;
    }

    private static List<String> values(JsonNode list, String where) {
        if (!list.isArray() || list.isEmpty()) throw new IllegalArgumentException(where + ": expected a non-empty list of values");
        var out = new ArrayList<String>();
        for (JsonNode v : list) {
            String t = text(v);
            if (out.contains(t)) throw new IllegalArgumentException(where + ": value " + t + " appears twice");
            out.add(t);
        }
        return out;
    }

    private static Param param(JsonNode n, String where) {
        if (!n.isObject() || n.size() != 1)
            throw new IllegalArgumentException(where + ": expected one of {uniform: [lo, hi]}, {loguniform: [lo, hi]}, {choice: [values]}");
        String name = n.fieldNames().next();
        Distribution d;
        try {
            d = Distribution.valueOf(name.toUpperCase(Locale.ROOT));
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(where + ": unknown distribution '" + name + "'; known: uniform, loguniform, choice");
        }
        List<String> v = values(n.get(name), where + "." + name);
        if (d != Distribution.CHOICE) {
            if (v.size() != 2) throw new IllegalArgumentException(where + "." + name + ": expected [lo, hi]");
            double lo = number(n.get(name).get(0), where), hi = number(n.get(name).get(1), where);
            if (!(lo < hi)) throw new IllegalArgumentException(where + "." + name + ": lo must be below hi, got [" + lo + ", " + hi + "]");
            if (d == Distribution.LOGUNIFORM && !(lo > 0)) throw new IllegalArgumentException(where + ".loguniform: lo must be > 0, got " + lo);
        }
        return new Param(d, v);
    }

    private static double number(JsonNode n, String where) {
        if (!n.isNumber()) throw new IllegalArgumentException(where + ": '" + n + "' is not a number");
        return n.asDouble();
    }

    /** A value as {@code --set} takes it: JSON is valid YAML, so strings keep their quotes and numbers their digits. */
    static String text(JsonNode v) {
        return v.toString();
    }

    /** A value as people read it: strings without quotes. */
    static String display(String valueText) {
        try {
            JsonNode n = JSON.readTree(valueText);
            return n.isTextual() ? n.asText() : valueText;
        } catch (java.io.IOException e) {
            return valueText;
        }
    }

    /** The spec as a JSON tree (sweep.json keeps it; compatibility is checked on it). */
    JsonNode toJson() {
        return JSON.valueToTree(this);
    }

    static SweepSpec fromJson(JsonNode n) {
        try {
            return JSON.treeToValue(n, SweepSpec.class);
        } catch (java.io.IOException e) {
            throw new IllegalArgumentException("sweep.json: unreadable spec (" + e.getMessage() + ")", e);
        }
    }

    /**
     * Whether a sweep directory made with {@code old} may continue with this spec: everything must be the same, except
     * that values may be added to the seeds and to grid axes, and random trials may be added. Otherwise an error names
     * each changed key.
     */
    void checkContinues(SweepSpec old, String dir) {
        var problems = new ArrayList<String>();
        same(problems, "model", old.model, model);
        same(problems, "config", old.config, config);
        same(problems, "data", old.data, data);
        same(problems, "budget", old.budget, budget);
        same(problems, "evaluation", old.evaluation, evaluation);
        same(problems, "rank", old.rank, rank);
        same(problems, "training", old.training, training);
        if (!seeds.containsAll(old.seeds)) problems.add("seeds: values removed (was " + old.seeds + ", now " + seeds + ")");
        if (!grid.keySet().equals(old.grid.keySet())) problems.add("grid: axes changed (was " + old.grid.keySet() + ", now " + grid.keySet() + ")");
        else for (String k : grid.keySet())
            if (!grid.get(k).containsAll(old.grid.get(k))) problems.add("grid." + k + ": values removed (was " + old.grid.get(k) + ", now " + grid.get(k) + ")");
        same(problems, "random.method", old.random.method(), random.method());
        same(problems, "random.seed", old.random.seed(), random.seed());
        same(problems, "random.startup", old.random.startup(), random.startup());
        same(problems, "random.batch", old.random.batch(), random.batch());
        same(problems, "random.params", old.random.params(), random.params());
        if (random.trials() < old.random.trials()) problems.add("random.trials: lowered from " + old.random.trials() + " to " + random.trials());
        if (!problems.isEmpty())
            throw new IllegalArgumentException(dir + " holds a sweep with a different spec; only new values of an axis (seeds, grid, random.trials) "
                    + "may be added. Changed: " + String.join("; ", problems) + ". Use a new --output directory.");
    }

    private static void same(List<String> problems, String key, Object was, Object now) {
        if (!was.equals(now)) problems.add(key + " (was " + was + ", now " + now + ")");
    }
}
