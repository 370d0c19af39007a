package org.factorlab.viz;

import java.io.IOException;
import java.io.OutputStream;
import java.util.Map;
import org.knowm.xchart.BitmapEncoder;
import org.knowm.xchart.XYChart;
import org.knowm.xchart.XYChartBuilder;
import org.knowm.xchart.style.markers.SeriesMarkers;

/** Line plots as PNG (loss curves, metric trajectories), drawn with XChart. */
public final class Plots {
    private Plots() {
    }

    /**
     * Writes one PNG with a line per series; {@code series} maps a name to (x, y) points. A log-scale y axis
     * suits losses that span orders of magnitude.
     */
    public static void lines(String title, String xLabel, String yLabel, Map<String, double[][]> series,
                             boolean logY, OutputStream out) throws IOException {
        XYChart chart = new XYChartBuilder().width(720).height(420).title(title).xAxisTitle(xLabel).yAxisTitle(yLabel).build();
        chart.getStyler().setYAxisLogarithmic(logY);
        chart.getStyler().setLegendVisible(series.size() > 1);
        chart.getStyler().setMarkerSize(0);
        for (var e : series.entrySet()) {
            double[][] xy = e.getValue();
            if (xy[0].length == 0) continue;
            chart.addSeries(e.getKey(), xy[0], xy[1]).setMarker(SeriesMarkers.NONE);
        }
        BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * A strip plot as PNG: one column per category with each of its values as a dot (spread sideways by a fixed
     * jitter so equal values stay visible) and the category's mean as a bar, the categories named in the legend from left
     * to right.
     */
    public static void strip(String title, String yLabel, java.util.List<String> categories, java.util.List<double[]> values,
                             OutputStream out) throws IOException {
        if (categories.size() != values.size()) throw new IllegalArgumentException(categories.size() + " categories, " + values.size() + " value lists");
        XYChart chart = new XYChartBuilder().width(Math.max(480, 140 * categories.size())).height(420).title(title).yAxisTitle(yLabel).build();
        chart.getStyler().setDefaultSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Scatter);
        // categories are named in the legend, in order from left to right
        chart.getStyler().setLegendPosition(org.knowm.xchart.style.Styler.LegendPosition.OutsideS);
        chart.getStyler().setXAxisMin(-0.5);
        chart.getStyler().setXAxisMax(categories.size() - 0.5);
        chart.getStyler().setXAxisTicksVisible(false);
        double[] jitter = {0, -0.12, 0.12, -0.06, 0.06, -0.18, 0.18};
        for (int c = 0; c < categories.size(); c++) {
            double[] v = values.get(c);
            if (v.length == 0) continue;
            double[] x = new double[v.length];
            for (int i = 0; i < v.length; i++) x[i] = c + jitter[i % jitter.length];
            chart.addSeries((c + 1) + ". " + categories.get(c), x, v).setMarker(SeriesMarkers.CIRCLE);
            double mean = java.util.Arrays.stream(v).average().orElse(0);
            chart.addSeries("mean " + c, new double[]{c - 0.25, c + 0.25}, new double[]{mean, mean})
                    .setXYSeriesRenderStyle(org.knowm.xchart.XYSeries.XYSeriesRenderStyle.Line).setMarker(SeriesMarkers.NONE).setShowInLegend(false);
        }
        BitmapEncoder.saveBitmap(chart, out, BitmapEncoder.BitmapFormat.PNG);
    }

    /**
     * One PNG of stacked panels, one per entry of {@code panels} (its own y axis: loss terms differ by orders of
     * magnitude), sharing the x label; each panel maps a series name to (x, y) points.
     */
    public static void panels(String title, String xLabel, Map<String, Map<String, double[][]>> panels, OutputStream out)
            throws IOException {
        if (panels.isEmpty()) throw new IllegalArgumentException("no panels to plot");
        int width = 720, height = 220;
        java.awt.image.BufferedImage sheet = new java.awt.image.BufferedImage(width, height * panels.size(),
                java.awt.image.BufferedImage.TYPE_INT_RGB);
        java.awt.Graphics2D g = sheet.createGraphics();
        int row = 0;
        for (var p : panels.entrySet()) {
            XYChart chart = new XYChartBuilder().width(width).height(height).title(row == 0 ? title + ": " + p.getKey() : p.getKey())
                    .xAxisTitle(row == panels.size() - 1 ? xLabel : "").yAxisTitle(p.getKey()).build();
            chart.getStyler().setLegendVisible(p.getValue().size() > 1);
            chart.getStyler().setMarkerSize(0);
            for (var e : p.getValue().entrySet())
                if (e.getValue()[0].length > 0) chart.addSeries(e.getKey(), e.getValue()[0], e.getValue()[1]).setMarker(SeriesMarkers.NONE);
            if (chart.getSeriesMap().isEmpty()) chart.addSeries("(no points)", new double[]{0}, new double[]{0}).setMarker(SeriesMarkers.NONE);
            g.drawImage(BitmapEncoder.getBufferedImage(chart), 0, height * row++, null);
        }
        g.dispose();
        javax.imageio.ImageIO.write(sheet, "png", out);
    }

    /** A centred moving average, for plotting noisy per-step losses. */
    public static double[] smooth(double[] y, int window) {
        double[] out = new double[y.length];
        int half = Math.max(0, window / 2);
        for (int i = 0; i < y.length; i++) {
            int lo = Math.max(0, i - half), hi = Math.min(y.length - 1, i + half);
            double s = 0;
            for (int j = lo; j <= hi; j++) s += y[j];
            out[i] = s / (hi - lo + 1);
        }
        return out;
    }

}
