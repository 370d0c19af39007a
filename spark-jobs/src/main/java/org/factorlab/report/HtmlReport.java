package org.factorlab.report;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * A self-contained HTML page for a run: headings, tables, figures (PNG paths relative to the page) and
 * preformatted text such as the config. Built section by section, rendered once.
 */
public final class HtmlReport {
    private final String title;
    private final List<String> body = new ArrayList<>();

    public HtmlReport(String title) {
        this.title = title;
    }

    public HtmlReport heading(String text) {
        body.add("<h2>" + escape(text) + "</h2>");
        return this;
    }

    public HtmlReport paragraph(String text) {
        body.add("<p>" + escape(text) + "</p>");
        return this;
    }

    public HtmlReport table(List<String> header, List<List<String>> rows) {
        var sb = new StringBuilder("<table><thead><tr>");
        for (String h : header) sb.append("<th>").append(escape(h)).append("</th>");
        sb.append("</tr></thead><tbody>");
        for (List<String> row : rows) {
            if (row.size() != header.size())
                throw new IllegalArgumentException("table row has " + row.size() + " cells for " + header.size() + " columns");
            sb.append("<tr>");
            for (String cell : row) sb.append("<td>").append(escape(cell)).append("</td>");
            sb.append("</tr>");
        }
        body.add(sb.append("</tbody></table>").toString());
        return this;
    }

    public HtmlReport keyValues(Map<String, String> entries) {
        var rows = new ArrayList<List<String>>();
        entries.forEach((k, v) -> rows.add(List.of(k, v)));
        return table(List.of("", ""), rows);
    }

    /** A figure whose {@code src} is relative to the page. */
    public HtmlReport figure(String src, String caption) {
        body.add("<figure><img src=\"" + escape(src) + "\" alt=\"" + escape(caption) + "\"><figcaption>"
                + escape(caption) + "</figcaption></figure>");
        return this;
    }

    public HtmlReport preformatted(String text) {
        body.add("<pre>" + escape(text) + "</pre>");
        return this;
    }

    public String render() {
        return "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>" + escape(title) + "</title>\n"
                + "<style>body{font-family:system-ui,sans-serif;max-width:1100px;margin:2em auto;padding:0 1em;color:#222}"
                + "table{border-collapse:collapse;margin:1em 0}td,th{border:1px solid #ccc;padding:4px 10px;text-align:left}"
                + "th{background:#f3f3f3}figure{margin:1em 0}img{max-width:100%;image-rendering:pixelated}"
                + "figcaption{color:#555;font-size:90%}pre{background:#f7f7f7;padding:1em;overflow-x:auto}</style>"
                + "</head><body>\n<h1>" + escape(title) + "</h1>\n" + String.join("\n", body) + "\n</body></html>\n";
    }

    static String escape(String s) {
        if (s == null) return "";
        var sb = new StringBuilder(s.length());
        for (char c : s.toCharArray()) {
            switch (c) {
                case '<' -> sb.append("&lt;");
                case '>' -> sb.append("&gt;");
                case '&' -> sb.append("&amp;");
                case '"' -> sb.append("&quot;");
                case '\'' -> sb.append("&#39;");
                default -> sb.append(c);
            }
        }
        return sb.toString();
    }
}
