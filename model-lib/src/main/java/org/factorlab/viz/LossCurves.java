package org.factorlab.viz;

import java.io.IOException;
import java.io.OutputStream;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The loss curves of a run from its loss CSV (the trainer's {@code loss.csv}: a header {@code step,<term>...,images_per_s}
 * and a row per step): every named term as (steps, values), and a PNG with one panel per term.
 */
public final class LossCurves {
    /** The throughput column of loss.csv, not a loss. */
    public static final String IMAGES_PER_S = "images_per_s";
    /** Smoothed curves are drawn with about this many moving-average windows across the run. */
    private static final int WINDOWS = 50;

    private LossCurves() {
    }

    /**
     * Each loss term's (steps, values) in the column order of the CSV, smoothed by a centred moving average of about
     * 1/50 of the run ({@code smooth = false} for the raw values). A short last row (a run stopped mid-write) is left
     * out; any other row that does not parse is an error naming its line and {@code source}.
     */
    public static Map<String, double[][]> read(String csv, String source, boolean smooth) {
        List<String> lines = csv.lines().filter(l -> !l.isBlank()).toList();
        Map<String, double[][]> out = new LinkedHashMap<>();
        if (lines.isEmpty()) return out;
        String[] header = lines.get(0).split(",");
        if (!header[0].equals("step")) throw new IllegalArgumentException(source + ": the first column is '" + header[0] + "', not 'step'");
        int n = lines.size() - 1;
        // a run stopped mid-write leaves its last row short: that row is not a result yet
        if (n > 0 && lines.get(n).split(",").length < header.length) n--;
        double[][] cols = new double[header.length][n];
        for (int i = 0; i < n; i++) {
            String[] cells = lines.get(i + 1).split(",");
            if (cells.length != header.length)
                throw new IllegalArgumentException(source + " line " + (i + 2) + ": " + cells.length + " cells, the header has " + header.length);
            try {
                for (int j = 0; j < header.length; j++) cols[j][i] = Double.parseDouble(cells[j]);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(source + " line " + (i + 2) + ": " + e.getMessage(), e);
            }
        }
        for (int j = 1; j < header.length; j++) {
            if (header[j].equals(IMAGES_PER_S)) continue;
            out.put(header[j], new double[][]{cols[0], smooth ? Plots.smooth(cols[j], Math.max(1, n / WINDOWS)) : cols[j]});
        }
        return out;
    }

    /** A PNG with one panel per loss term of the CSV, each smoothed, titled {@code title}. */
    public static void plot(String csv, String source, String title, OutputStream out) throws IOException {
        Map<String, Map<String, double[][]>> panels = new LinkedHashMap<>();
        for (var e : read(csv, source, true).entrySet()) panels.put(e.getKey(), Map.of(e.getKey(), e.getValue()));
        if (panels.isEmpty()) throw new IllegalArgumentException(source + ": no loss columns to plot");
        Plots.panels(title, "step", panels, out);
    }
}
