package org.factorlab.evaluate;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.Path;
import org.factorlab.metrics.MetricKind;
import org.factorlab.metrics.MetricResult;
import org.factorlab.provenance.Provenance;

/** metrics.json, metrics.md and metrics.html of an evaluation, and the atomic file writes behind them. */
public final class Reports {
    public static final String JSON = "metrics.json";
    public static final String MARKDOWN = "metrics.md";
    public static final String HTML = "metrics.html";
    static final ObjectMapper MAPPER = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Reports() {
    }

    /** Mean, sample std (ddof 1; 0 for one run) and count of one value over runs. */
    public record Summary(double mean, double std, int n, double min, double max) {
        public static Summary of(List<Double> v) {
            double mean = v.stream().mapToDouble(Double::doubleValue).average().orElseThrow();
            double ss = v.stream().mapToDouble(x -> (x - mean) * (x - mean)).sum();
            double std = v.size() > 1 ? Math.sqrt(ss / (v.size() - 1)) : 0;
            return new Summary(mean, std, v.size(), v.stream().mapToDouble(Double::doubleValue).min().orElseThrow(),
                    v.stream().mapToDouble(Double::doubleValue).max().orElseThrow());
        }
    }

    /** Headline value names of the chosen metrics, in table order. */
    static List<String> columns(List<MetricKind> metrics) {
        var out = new ArrayList<String>();
        metrics.forEach(m -> out.addAll(m.headline()));
        return out;
    }

    static Map<String, Summary> summaries(EvaluationReport report) {
        var out = new LinkedHashMap<String, Summary>();
        for (String col : columns(report.metrics())) {
            var vals = report.runs().stream().map(r -> r.result().values().get(col)).filter(java.util.Objects::nonNull).toList();
            if (!vals.isEmpty()) out.put(col, Summary.of(vals));
        }
        return out;
    }

    static byte[] json(EvaluationReport report) throws IOException {
        ObjectNode root = MAPPER.createObjectNode();
        root.set("provenance", MAPPER.valueToTree(report.provenance()));
        ArrayNode metrics = root.putArray("metrics");
        report.metrics().forEach(m -> metrics.add(m.id()));
        ArrayNode runs = root.putArray("runs");
        for (EvaluationReport.Run r : report.runs()) {
            ObjectNode run = runs.addObject();
            run.put("id", r.run().id());
            run.put("source", r.run().source());
            run.put("sha256", r.run().sha256());
            if (r.run().model() != null) run.set("model", MAPPER.valueToTree(r.run().model()));
            run.put("rows", r.run().data().numPoints());
            run.put("codeDim", r.run().data().codeDim());
            run.set("factors", MAPPER.valueToTree(r.run().data().factorNames()));
            run.put("codes", r.codesPath());
            if (r.run().reconstruction() != null) run.set("reconstruction", MAPPER.valueToTree(r.run().reconstruction()));
            run.set("values", MAPPER.valueToTree(r.result().values()));
            ObjectNode detail = run.putObject("metrics");
            for (MetricResult m : r.result().metrics()) {
                ObjectNode n = detail.putObject(m.metric().id());
                n.set("values", MAPPER.valueToTree(m.values()));
                n.set("perFactor", MAPPER.valueToTree(m.perFactor()));
                n.set("matrices", MAPPER.valueToTree(m.matrices()));
                n.set("matrixColumns", MAPPER.valueToTree(m.matrixColumns()));
                n.set("diagnostics", MAPPER.valueToTree(m.diagnostics()));
                n.put("taskSeconds", m.nanos() / 1e9);
            }
        }
        root.set("summary", MAPPER.valueToTree(summaries(report)));
        root.put("wallSeconds", report.wallSeconds());
        return MAPPER.writeValueAsBytes(root);
    }

    static String cell(Summary s, boolean several) {
        return several ? String.format(Locale.ROOT, "%.3f ± %.3f", s.mean(), s.std()) : String.format(Locale.ROOT, "%.3f", s.mean());
    }

    public static String markdown(EvaluationReport report) {
        List<String> cols = columns(report.metrics());
        StringBuilder b = new StringBuilder("# Disentanglement metrics\n\n");
        b.append("| run |");
        cols.forEach(c -> b.append(' ').append(c).append(" |"));
        b.append("\n|---|");
        cols.forEach(c -> b.append("---:|"));
        b.append('\n');
        for (EvaluationReport.Run r : report.runs()) {
            b.append("| ").append(r.run().id()).append(" |");
            for (String c : cols) {
                Double v = r.result().values().get(c);
                b.append(' ').append(v == null ? "n/a" : String.format(Locale.ROOT, "%.3f", v)).append(" |");
            }
            b.append('\n');
        }
        Map<String, Summary> sum = summaries(report);
        if (report.runs().size() > 1) {
            b.append("| **mean ± std (n=").append(report.runs().size()).append(")** |");
            for (String c : cols) b.append(' ').append(sum.containsKey(c) ? cell(sum.get(c), true) : "n/a").append(" |");
            b.append('\n');
        }
        b.append("\nstd is the sample standard deviation over runs (ddof 1). Config seed ").append(report.provenance().seed())
                .append("; input SHA-256 ").append(report.provenance().dataManifestSha256()).append("; code ")
                .append(report.provenance().codeVersion()).append(".\n");
        List<String[]> rec = reconstructionRows(report);
        if (!rec.isEmpty()) {
            b.append("\n## Reconstruction\n\n| run | SSIM | MSE | first stage SSIM | first stage MSE | images | decoding |\n|---|---:|---:|---:|---:|---:|---|\n");
            for (String[] row : rec) b.append("| ").append(String.join(" | ", row)).append(" |\n");
            b.append("\nImages in [0, 1], SSIM with skimage's Gaussian-window settings (docs/first-stage.md). The first stage alone "
                    + "(encode, quantise, decode) bounds what a latent model can reach.\n");
        }
        List<String> diags = diagnostics(report);
        if (!diags.isEmpty()) {
            b.append("\n## Diagnostics\n\n");
            diags.forEach(d -> b.append("- ").append(d).append('\n'));
        }
        return b.toString();
    }

    static String html(EvaluationReport report) {
        List<String> cols = columns(report.metrics());
        StringBuilder b = new StringBuilder("<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Disentanglement metrics</title>\n"
                + "<style>body{font-family:sans-serif}table{border-collapse:collapse}td,th{border:1px solid #999;padding:4px 8px}"
                + "td.v{text-align:right;font-variant-numeric:tabular-nums}tr.sum{font-weight:bold}</style></head><body>\n"
                + "<h1>Disentanglement metrics</h1>\n<table>\n<tr><th>run</th>");
        cols.forEach(c -> b.append("<th>").append(esc(c)).append("</th>"));
        b.append("</tr>\n");
        for (EvaluationReport.Run r : report.runs()) {
            b.append("<tr><td>").append(esc(r.run().id())).append("</td>");
            for (String c : cols) {
                Double v = r.result().values().get(c);
                b.append("<td class=\"v\">").append(v == null ? "n/a" : String.format(Locale.ROOT, "%.3f", v)).append("</td>");
            }
            b.append("</tr>\n");
        }
        Map<String, Summary> sum = summaries(report);
        if (report.runs().size() > 1) {
            b.append("<tr class=\"sum\"><td>mean &plusmn; std (n=").append(report.runs().size()).append(")</td>");
            for (String c : cols) b.append("<td class=\"v\">").append(sum.containsKey(c) ? esc(cell(sum.get(c), true)) : "n/a").append("</td>");
            b.append("</tr>\n");
        }
        b.append("</table>\n<p>std is the sample standard deviation over runs (ddof 1). Config seed ").append(report.provenance().seed())
                .append("; input SHA-256 <code>").append(esc(report.provenance().dataManifestSha256())).append("</code>; code ")
                .append(esc(report.provenance().codeVersion())).append(".</p>\n");
        List<String[]> rec = reconstructionRows(report);
        if (!rec.isEmpty()) {
            b.append("<h2>Reconstruction</h2>\n<table>\n<tr><th>run</th><th>SSIM</th><th>MSE</th><th>first stage SSIM</th>"
                    + "<th>first stage MSE</th><th>images</th><th>decoding</th></tr>\n");
            for (String[] row : rec) {
                b.append("<tr>");
                for (int i = 0; i < row.length; i++) b.append(i == 0 || i == row.length - 1 ? "<td>" : "<td class=\"v\">").append(esc(row[i])).append("</td>");
                b.append("</tr>\n");
            }
            b.append("</table>\n<p>Images in [0, 1], SSIM with skimage's Gaussian-window settings. The first stage alone (encode, "
                    + "quantise, decode) bounds what a latent model can reach.</p>\n");
        }
        List<String> diags = diagnostics(report);
        if (!diags.isEmpty()) {
            b.append("<h2>Diagnostics</h2>\n<ul>\n");
            diags.forEach(d -> b.append("<li>").append(esc(d)).append("</li>\n"));
            b.append("</ul>\n");
        }
        return b.append("</body></html>\n").toString();
    }

    /** One row per run with reconstruction scores: run, SSIM, MSE, first-stage SSIM and MSE, images, decoding. */
    static List<String[]> reconstructionRows(EvaluationReport report) {
        var out = new ArrayList<String[]>();
        for (EvaluationReport.Run r : report.runs()) {
            ReconstructionScore s = r.run().reconstruction();
            if (s == null) continue;
            out.add(new String[]{r.run().id(), String.format(Locale.ROOT, "%.4f", s.ssim()), String.format(Locale.ROOT, "%.3e", s.mse()),
                    s.firstStageSsim() == null ? "n/a" : String.format(Locale.ROOT, "%.4f", s.firstStageSsim()),
                    s.firstStageMse() == null ? "n/a" : String.format(Locale.ROOT, "%.3e", s.firstStageMse()), Integer.toString(s.images()),
                    s.start() == null ? "direct" : "DDIM " + s.ddimSteps() + " steps from " + s.start()});
        }
        return out;
    }

    static List<String> diagnostics(EvaluationReport report) {
        var out = new ArrayList<String>();
        for (EvaluationReport.Run r : report.runs()) r.result().diagnostics().forEach(d -> out.add(r.run().id() + ": " + d));
        return out;
    }

    private static String esc(String s) {
        return s.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;");
    }

    /**
     * Writes to a hidden temporary name in the same directory, then renames over the target in one atomic step (no
     * half-written file is visible, and a crash leaves the old or the new version; see AtomicReplace).
     */
    static void atomicWrite(FileSystem fileSystem, Path target, CodesFile.Writer writer) throws IOException {
        // the local file system would leave a hidden .crc file beside every file; write through the raw one
        FileSystem fs = org.factorlab.spark.AtomicReplace.writer(fileSystem);
        Path tmp = new Path(target.getParent(), "." + target.getName() + ".tmp-" + java.util.UUID.randomUUID());
        try {
            try (OutputStream out = fs.create(tmp, true)) {
                writer.write(out);
            }
            org.factorlab.spark.AtomicReplace.replace(fileSystem, tmp, target);
        } finally {
            if (fs.exists(tmp)) fs.delete(tmp, false);
        }
    }

    static void write(FileSystem fs, Path dir, EvaluationReport report) throws IOException {
        fs.mkdirs(dir);
        atomicWrite(fs, new Path(dir, MARKDOWN), out -> out.write(markdown(report).getBytes(StandardCharsets.UTF_8)));
        atomicWrite(fs, new Path(dir, HTML), out -> out.write(html(report).getBytes(StandardCharsets.UTF_8)));
        byte[] json = json(report);
        atomicWrite(fs, new Path(dir, JSON), out -> out.write(json)); // last: a complete report has metrics.json
    }

    static Provenance provenanceOf(EvaluationReport report) {
        return report.provenance();
    }
}
