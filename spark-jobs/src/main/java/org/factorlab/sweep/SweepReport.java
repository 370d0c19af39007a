package org.factorlab.sweep;

import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.function.Function;
import org.apache.hadoop.fs.FileSystem;
import org.factorlab.evaluate.Reports;
import org.factorlab.spark.RunDirectory;
import org.factorlab.viz.LossCurves;
import org.factorlab.viz.Plots;

/** A sweep's results: the table grouped by config, the best point, the points' states, strip plots and loss curves. */
final class SweepReport {
    static final String MARKDOWN = "results.md";
    static final String HTML = "results.html";
    static final String CSV = "results.csv";
    static final String PLOTS = "plots";

    private SweepReport() {
    }

    /** Rows = groups (in grid order), values = the headline values of each DONE point's metrics.json. */
    static ResultsTable table(List<SweepPoint> points, Map<String, PointOutcome> outcomes, List<String> columns,
                              Function<String, Map<String, Double>> valuesOf) {
        var groups = new LinkedHashMap<String, List<SweepPoint>>();
        for (SweepPoint p : points) groups.computeIfAbsent(p.group(), g -> new ArrayList<>()).add(p);
        var rows = new ArrayList<ResultsTable.Row>();
        for (var g : groups.values()) {
            var values = new LinkedHashMap<String, List<Double>>();
            columns.forEach(c -> values.put(c, new ArrayList<>()));
            var ids = new ArrayList<String>();
            for (SweepPoint p : g) {
                ids.add(p.id());
                if (outcomes.get(p.id()).state() != PointOutcome.State.DONE) continue;
                Map<String, Double> v = valuesOf.apply(p.id());
                for (String c : columns) if (v.containsKey(c)) values.get(c).add(v.get(c));
            }
            rows.add(new ResultsTable.Row(g.get(0).groupLabel(), g.get(0).settings(), ids, values));
        }
        return new ResultsTable(columns, rows);
    }

    /** The best group (by mean) and the best single point by the spec's rank metric, with its config; null without one. */
    static String best(SweepSpec spec, List<SweepPoint> points, ResultsTable table, Function<String, Map<String, Double>> valuesOf) {
        String m = spec.rank().metric();
        if (m.isEmpty()) return null;
        int sign = spec.rank().order() == SweepSpec.Order.MAX ? 1 : -1;
        ResultsTable.Row bestRow = null;
        for (ResultsTable.Row r : table.rows()) {
            Reports.Summary s = r.summary(m);
            if (s != null && (bestRow == null || sign * s.mean() > sign * bestRow.summary(m).mean())) bestRow = r;
        }
        SweepPoint bestPoint = null;
        double bestValue = Double.NaN;
        for (SweepPoint p : points) {
            Double v = valuesOf.apply(p.id()).get(m);
            if (v != null && (bestPoint == null || sign * v > sign * bestValue)) {
                bestPoint = p;
                bestValue = v;
            }
        }
        if (bestRow == null) return "Ranked by " + m + ": no point has a value yet.";
        return String.format(Locale.ROOT, "Ranked by %s (%s): best group %s with %s over %d point(s); best point %s (%s, seed %d) with %.4f, "
                        + "config %s/%s/%s", m, spec.rank().order().name().toLowerCase(Locale.ROOT), bestRow.label(), ResultsTable.mean(bestRow.summary(m)),
                bestRow.summary(m).n(), bestPoint.id(), bestPoint.groupLabel(), bestPoint.seed(), bestValue, SweepRunner.POINTS, bestPoint.id(),
                PointTask.CONFIG);
    }

    static void write(RunDirectory dir, FileSystem fs, SweepSpec spec, List<SweepPoint> points, Map<String, PointOutcome> outcomes,
                      Map<String, String> evaluationErrors, ResultsTable table, String best, Function<String, String> lossCsvOf) throws IOException {
        fs.mkdirs(dir.path(PLOTS));
        var metricPlots = new ArrayList<String>();
        for (String c : table.columns()) {
            var cats = new ArrayList<String>();
            var vals = new ArrayList<double[]>();
            for (ResultsTable.Row r : table.rows()) {
                cats.add(r.label());
                vals.add(r.values().getOrDefault(c, List.of()).stream().mapToDouble(Double::doubleValue).toArray());
            }
            if (vals.stream().allMatch(v -> v.length == 0)) continue;
            String name = PLOTS + "/metric-" + safe(c) + ".png";
            dir.write(dir.path(name), out -> Plots.strip(c + " per group", c, cats, vals, out));
            metricPlots.add(name);
        }
        var lossPlots = new ArrayList<String>();
        var curves = new LinkedHashMap<String, Map<String, double[][]>>(); // loss term -> point -> (steps, values)
        for (SweepPoint p : points) {
            String csv = lossCsvOf.apply(p.id());
            if (csv == null) continue;
            for (var e : LossCurves.read(csv, "loss of point " + p.id(), true).entrySet())
                curves.computeIfAbsent(e.getKey(), k -> new LinkedHashMap<>()).put(p.id(), e.getValue());
        }
        for (var e : curves.entrySet()) {
            String name = PLOTS + "/loss-" + safe(e.getKey()) + ".png";
            dir.write(dir.path(name), out -> Plots.lines("loss '" + e.getKey() + "' of every point", "step", e.getKey(), e.getValue(), false, out));
            lossPlots.add(name);
        }
        dir.writeText(CSV, table.csv());
        dir.writeText(MARKDOWN, markdown(dir, spec, points, outcomes, evaluationErrors, table, best, metricPlots, lossPlots));
        dir.writeText(HTML, html(dir, spec, points, outcomes, evaluationErrors, table, best, metricPlots, lossPlots));
    }

    private static String error(PointOutcome o, Map<String, String> evaluationErrors) {
        if (o.error() != null) return o.error();
        String e = evaluationErrors.get(o.id());
        return e == null ? "" : "evaluation: " + e;
    }

    private static String safe(String s) {
        return s.replaceAll("[^A-Za-z0-9._-]", "_");
    }

    private static String header(SweepSpec spec, List<SweepPoint> points, Map<String, PointOutcome> outcomes, ResultsTable table) {
        return String.format(Locale.ROOT, "Model %s, config %s, data %s; budget %s; %d points in %d groups (%d done, %d failed, %d interrupted, %d pending).",
                spec.model(), spec.config(), spec.data(), budget(spec.budget()), points.size(), table.rows().size(),
                count(outcomes, PointOutcome.State.DONE), count(outcomes, PointOutcome.State.FAILED),
                count(outcomes, PointOutcome.State.INTERRUPTED), count(outcomes, PointOutcome.State.PENDING));
    }

    static String budget(SweepSpec.Budget b) {
        if (b.steps() > 0 && b.wallSeconds() > 0) return b.steps() + " steps or " + b.wallSeconds() + " s per point";
        return b.steps() > 0 ? b.steps() + " steps per point" : b.wallSeconds() + " s per point";
    }

    private static long count(Map<String, PointOutcome> o, PointOutcome.State s) {
        return o.values().stream().filter(x -> x.state() == s).count();
    }

    private static String markdown(RunDirectory dir, SweepSpec spec, List<SweepPoint> points, Map<String, PointOutcome> outcomes,
                                   Map<String, String> evaluationErrors, ResultsTable table, String best, List<String> metricPlots, List<String> lossPlots) {
        StringBuilder b = new StringBuilder("# Sweep ").append(dir.root().getName()).append("\n\n");
        b.append(header(spec, points, outcomes, table)).append("\n\n");
        b.append(table.markdown());
        if (best != null) b.append("\n## Best\n\n").append(best).append('\n');
        b.append("\n## Points\n\n| point | group | seed | state | steps | train s | last loss | error |\n|---|---|---:|---|---:|---:|---:|---|\n");
        for (SweepPoint p : points) {
            PointOutcome o = outcomes.get(p.id());
            b.append(String.format(Locale.ROOT, "| %s | %s | %d | %s | %d | %.1f | %s | %s |%n", p.id(), p.groupLabel(), p.seed(),
                    o.state().name().toLowerCase(Locale.ROOT), o.steps(), o.trainSeconds(), o.lastLoss() == null ? "" : String.format(Locale.ROOT, "%.5g", o.lastLoss()),
                    error(o, evaluationErrors).replace("|", "\\|").replace("\n", " ")));
        }
        if (!metricPlots.isEmpty() || !lossPlots.isEmpty()) {
            b.append("\n## Plots\n\n");
            for (String p : metricPlots) b.append("![").append(p).append("](").append(p).append(")\n");
            for (String p : lossPlots) b.append("![").append(p).append("](").append(p).append(")\n");
        }
        return b.toString();
    }

    private static String html(RunDirectory dir, SweepSpec spec, List<SweepPoint> points, Map<String, PointOutcome> outcomes,
                               Map<String, String> evaluationErrors, ResultsTable table, String best, List<String> metricPlots, List<String> lossPlots) {
        String e = ResultsTable.esc(dir.root().getName());
        StringBuilder b = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Sweep ").append(e).append("</title>\n")
                .append(ResultsTable.STYLE).append("</head><body>\n<h1>Sweep ").append(e).append("</h1>\n<p>")
                .append(ResultsTable.esc(header(spec, points, outcomes, table))).append("</p>\n");
        b.append(table.html()).append("<p>Each cell: mean &plusmn; sample std (ddof 1) over the group's points, and min &ndash; max.</p>\n");
        if (best != null) b.append("<h2>Best</h2>\n<p>").append(ResultsTable.esc(best)).append("</p>\n");
        b.append("<h2>Points</h2>\n<table>\n<tr><th>point</th><th>group</th><th>seed</th><th>state</th><th>steps</th><th>train s</th><th>error</th></tr>\n");
        for (SweepPoint p : points) {
            PointOutcome o = outcomes.get(p.id());
            b.append("<tr><td>").append(ResultsTable.esc(p.id())).append("</td><td>").append(ResultsTable.esc(p.groupLabel())).append("</td><td class=\"v\">")
                    .append(p.seed()).append("</td><td>").append(o.state().name().toLowerCase(Locale.ROOT)).append("</td><td class=\"v\">").append(o.steps())
                    .append("</td><td class=\"v\">").append(String.format(Locale.ROOT, "%.1f", o.trainSeconds())).append("</td><td>")
                    .append(ResultsTable.esc(error(o, evaluationErrors))).append("</td></tr>\n");
        }
        b.append("</table>\n");
        if (!metricPlots.isEmpty() || !lossPlots.isEmpty()) b.append("<h2>Plots</h2>\n");
        for (String p : metricPlots) b.append("<img src=\"").append(p).append("\" alt=\"").append(p).append("\">\n");
        for (String p : lossPlots) b.append("<img src=\"").append(p).append("\" alt=\"").append(p).append("\">\n");
        return b.append("</body></html>\n").toString();
    }
}
