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
