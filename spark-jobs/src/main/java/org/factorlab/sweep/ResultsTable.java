package org.factorlab.sweep;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.factorlab.evaluate.Reports;

/**
 * The papers' layout: one row per group (a config, or a method), one column per metric, each cell mean ± std (ddof 1)
 * over the group's points, with n, min and max. The sweep's results and {@code factorlab compare} both render this.
 */
public record ResultsTable(List<String> columns, List<Row> rows) {
    public ResultsTable {
        columns = List.copyOf(columns);
        rows = List.copyOf(rows);
    }

    /** One group: its label, the points (or runs) in it, and each metric's values over them. */
    public record Row(String label, Map<String, String> settings, List<String> points, Map<String, List<Double>> values) {
        public Row {
            settings = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(settings));
            points = List.copyOf(points);
            values = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(values));
        }

        /** The summary of a metric, or null when no point of the group has it. */
        public Reports.Summary summary(String metric) {
            List<Double> v = values.get(metric);
            return v == null || v.isEmpty() ? null : Reports.Summary.of(v);
        }

        /** The number of points with values: the largest count over the metrics. */
        public int n() {
            return values.values().stream().mapToInt(List::size).max().orElse(0);
        }
    }

    static String mean(Reports.Summary s) {
        if (s == null) return "n/a";
        return s.n() > 1 ? String.format(Locale.ROOT, "%.3f ± %.3f", s.mean(), s.std()) : String.format(Locale.ROOT, "%.3f", s.mean());
    }

    static String range(Reports.Summary s) {
        return s == null ? "n/a" : String.format(Locale.ROOT, "%.3f – %.3f", s.min(), s.max());
    }

    public String markdown() {
        StringBuilder b = new StringBuilder("| group | n |");
        columns.forEach(c -> b.append(' ').append(c).append(" |"));
        b.append("\n|---|---:|");
        columns.forEach(c -> b.append("---:|"));
        b.append('\n');
        for (Row r : rows) {
            b.append("| ").append(r.label()).append(" | ").append(r.n()).append(" |");
            for (String c : columns) b.append(' ').append(mean(r.summary(c))).append(" |");
            b.append('\n');
        }
        b.append("\nEach cell: mean ± sample std (ddof 1) over the group's points; n points.\n\nMin – max:\n\n| group |");
        columns.forEach(c -> b.append(' ').append(c).append(" |"));
        b.append("\n|---|");
        columns.forEach(c -> b.append("---:|"));
        b.append('\n');
        for (Row r : rows) {
            b.append("| ").append(r.label()).append(" |");
            for (String c : columns) b.append(' ').append(range(r.summary(c))).append(" |");
            b.append('\n');
        }
        return b.toString();
    }

    /** One line per group: group, its settings, n, then mean, std, n, min, max of each metric (full precision). */
    public String csv() {
        List<String> keys = new ArrayList<>();
        for (Row r : rows) for (String k : r.settings().keySet()) if (!keys.contains(k)) keys.add(k);
        StringBuilder b = new StringBuilder("group");
        keys.forEach(k -> b.append(',').append(csvCell(k)));
        b.append(",n");
        for (String c : columns) for (String s : new String[]{"mean", "std", "n", "min", "max"}) b.append(',').append(c).append('.').append(s);
        b.append('\n');
        for (Row r : rows) {
            b.append(csvCell(r.label()));
            keys.forEach(k -> b.append(',').append(r.settings().containsKey(k) ? csvCell(SweepSpec.display(r.settings().get(k))) : ""));
            b.append(',').append(r.n());
            for (String c : columns) {
                Reports.Summary s = r.summary(c);
                if (s == null) b.append(",,,0,,");
                else b.append(',').append(s.mean()).append(',').append(s.std()).append(',').append(s.n()).append(',').append(s.min()).append(',').append(s.max());
            }
            b.append('\n');
        }
        return b.toString();
    }

    private static String csvCell(String s) {
        return s.contains(",") || s.contains("\"") ? "\"" + s.replace("\"", "\"\"") + "\"" : s;
    }

    public String html() {
        StringBuilder b = new StringBuilder("<table>\n<tr><th>group</th><th>n</th>");
        columns.forEach(c -> b.append("<th>").append(esc(c)).append("</th>"));
        b.append("</tr>\n");
        for (Row r : rows) {
            b.append("<tr><td>").append(esc(r.label())).append("</td><td class=\"v\">").append(r.n()).append("</td>");
            for (String c : columns) {
                Reports.Summary s = r.summary(c);
                b.append("<td class=\"v\" title=\"").append(esc(s == null ? "" : "min " + range(s).replace(" – ", ", max "))).append("\">")
                        .append(esc(mean(s))).append("<br><small>").append(esc(range(s))).append("</small></td>");
            }
            b.append("</tr>\n");
        }
        return b.append("</table>\n").toString();
    }

    static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    static final String STYLE = "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 8px}"
            + "td.v{text-align:right;font-variant-numeric:tabular-nums}img{max-width:100%}</style>";
}
