package org.factorlab.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.Path;
import org.factorlab.cli.CliCommand;
import org.factorlab.evaluate.Reports;
import org.factorlab.spark.RunDirectory;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code factorlab compare DIR...}: one table across sweeps (a row per group of each) and evaluation directories (a row
 * per directory: its runs, e.g. a seed sweep evaluated with {@code evaluate --model a,b,c}), e.g. several methods on one
 * data set, as the papers' tables 1.
 */
@Command(name = "compare", mixinStandardHelpOptions = true,
        description = "One mean ± std table across sweep directories (a row per config group) and evaluation directories "
                + "(a row each, over its runs); writes compare.md/.html/.csv with --output.")
public final class CompareCommand implements CliCommand, Callable<Integer> {
    @Parameters(arity = "1..*", paramLabel = "DIR", description = "Sweep directories (with sweep.json) or evaluation directories (with metrics.json).")
    List<String> dirs;

    @Option(names = "--metrics", split = ",", description = "Columns (headline values, e.g. dci.disentanglement,mig); default: every one found.")
    List<String> metrics;

    @Option(names = "--output", description = "Directory for compare.md, compare.html and compare.csv (default: print only).")
    String output;

    @Override
    public Integer call() {
        ResultsTable t = table(dirs, metrics, new Configuration());
        System.out.print(t.markdown());
        if (output != null) {
            RunDirectory out = new RunDirectory(output, new Configuration());
            out.writeText("compare.md", "# Comparison\n\n" + t.markdown());
            out.writeText("compare.csv", t.csv());
            out.writeText("compare.html", "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>Comparison</title>" + ResultsTable.STYLE
                    + "</head><body>\n<h1>Comparison</h1>\n" + t.html() + "</body></html>\n");
            System.out.println("wrote " + new Path(out.root(), "compare.md"));
        }
        return 0;
    }

    /** The rows of every directory, in the order given; columns as asked, else every headline value in order of appearance. */
    public static ResultsTable table(List<String> dirs, List<String> metrics, Configuration conf) {
        var rows = new ArrayList<ResultsTable.Row>();
        var seen = new ArrayList<String>();
        for (String d : dirs) {
            RunDirectory dir = new RunDirectory(d, conf);
            String name = dir.root().getName();
            if (dir.exists(SweepRunner.SWEEP_JSON)) {
                JsonNode sweep = SweepFiles.read(dir.readText(SweepRunner.SWEEP_JSON), dir.path(SweepRunner.SWEEP_JSON).toString());
                var groups = new LinkedHashMap<String, List<JsonNode>>();
                for (JsonNode p : sweep.path("points")) groups.computeIfAbsent(p.path("group").asText(), g -> new ArrayList<>()).add(p);
                for (List<JsonNode> g : groups.values()) {
                    Map<String, String> settings = new LinkedHashMap<>();
                    g.get(0).path("settings").fields().forEachRemaining(e -> settings.put(e.getKey(), e.getValue().asText()));
                    var values = new LinkedHashMap<String, List<Double>>();
                    var ids = new ArrayList<String>();
                    for (JsonNode p : g) {
                        String id = p.path("id").asText();
                        ids.add(id);
                        if (!"DONE".equals(p.path("outcome").path("state").asText())) continue;
                        SweepRunner.metricValues(SweepRunner.pointDir(dir.root().toString(), id, conf)).forEach((k, v) -> {
                            values.computeIfAbsent(k, x -> new ArrayList<>()).add(v);
                            if (!seen.contains(k)) seen.add(k);
                        });
                    }
                    rows.add(new ResultsTable.Row(name + ": " + SweepPoint.label(settings), settings, ids, values));
                }
            } else if (dir.exists(Reports.JSON)) {
                JsonNode m = SweepFiles.read(dir.readText(Reports.JSON), dir.path(Reports.JSON).toString());
                var values = new LinkedHashMap<String, List<Double>>();
                var ids = new ArrayList<String>();
                for (JsonNode r : m.path("runs")) {
                    ids.add(r.path("id").asText());
                    r.path("values").fields().forEachRemaining(e -> {
                        values.computeIfAbsent(e.getKey(), x -> new ArrayList<>()).add(e.getValue().asDouble());
                        if (!seen.contains(e.getKey())) seen.add(e.getKey());
                    });
                }
                rows.add(new ResultsTable.Row(name, Map.of(), ids, values));
            } else {
                throw new IllegalArgumentException(d + ": neither a sweep directory (" + SweepRunner.SWEEP_JSON + ") nor an evaluation directory ("
                        + Reports.JSON + ")");
            }
        }
        List<String> columns = metrics != null && !metrics.isEmpty() ? metrics : seen;
        for (String c : columns)
            if (!seen.contains(c)) throw new IllegalArgumentException("--metrics " + c + ": no directory has this value; found: " + seen);
        return new ResultsTable(columns, rows);
    }
}
