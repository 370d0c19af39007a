package org.factorlab.viz;

import java.awt.Color;
import java.awt.Font;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.IOException;
import java.io.OutputStream;
import javax.imageio.ImageIO;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A labelled grid of images written as PNG: reconstructions, factor swaps, traversals, attention maps, contact
 * sheets. Cells are {@code [C, H, W]} float in [-1, 1] (C = 1 or 3), or heat maps in [0, 1].
 */
public final class ImageGrid {
    private static final int PAD = 2;
    private static final Color BACKGROUND = new Color(250, 250, 250);

    private final int rows;
    private final int cols;
    private final BufferedImage[][] cells;
    private final String[] rowLabels;
    private final String[] colLabels;
    private final int scale;

    public ImageGrid(int rows, int cols, int scale) {
        if (rows < 1 || cols < 1 || scale < 1) throw new IllegalArgumentException("grid needs positive rows, cols and scale");
        this.rows = rows;
        this.cols = cols;
        this.scale = scale;
        this.cells = new BufferedImage[rows][cols];
        this.rowLabels = new String[rows];
        this.colLabels = new String[cols];
    }

    /** Sets cell (r, c) from an image {@code [C, H, W]} in [-1, 1]. */
    public ImageGrid set(int r, int c, INDArray image) {
        cells[r][c] = toImage(image);
        return this;
    }

    /** Sets cell (r, c) from a heat map {@code [H, W]} in [0, 1], drawn with a perceptual colour map. */
    public ImageGrid setHeatMap(int r, int c, INDArray map) {
        int h = (int) map.size(0), w = (int) map.size(1);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) img.setRGB(x, y, heat(map.getDouble(y, x)));
        cells[r][c] = img;
        return this;
    }

    public ImageGrid rowLabel(int r, String label) {
        rowLabels[r] = label;
        return this;
    }

    public ImageGrid colLabel(int c, String label) {
        colLabels[c] = label;
        return this;
    }

    /** A grid holding {@code images [N, C, H, W]} row by row, {@code cols} per row. */
    public static ImageGrid of(INDArray images, int cols, int scale) {
        int n = (int) images.size(0);
        int rows = (n + cols - 1) / cols;
        ImageGrid g = new ImageGrid(rows, Math.min(cols, n), scale);
        for (int i = 0; i < n; i++) g.set(i / cols, i % cols, images.get(org.nd4j.linalg.indexing.NDArrayIndex.point(i)));
        return g;
    }

    public BufferedImage render() {
        int cw = 0, ch = 0;
        for (BufferedImage[] row : cells)
            for (BufferedImage b : row)
                if (b != null) { cw = Math.max(cw, b.getWidth() * scale); ch = Math.max(ch, b.getHeight() * scale); }
        if (cw == 0) throw new IllegalStateException("image grid has no cells set");
        boolean hasRowLabels = java.util.Arrays.stream(rowLabels).anyMatch(java.util.Objects::nonNull);
        boolean hasColLabels = java.util.Arrays.stream(colLabels).anyMatch(java.util.Objects::nonNull);
        int left = hasRowLabels ? 90 : 0, top = hasColLabels ? 16 : 0;
        int width = left + cols * (cw + PAD) + PAD, height = top + rows * (ch + PAD) + PAD;
        BufferedImage out = new BufferedImage(width, height, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = out.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_TEXT_ANTIALIASING, RenderingHints.VALUE_TEXT_ANTIALIAS_ON);
        g.setColor(BACKGROUND);
        g.fillRect(0, 0, width, height);
        g.setColor(Color.DARK_GRAY);
        g.setFont(new Font(Font.SANS_SERIF, Font.PLAIN, 11));
        for (int c = 0; c < cols; c++)
            if (colLabels[c] != null) g.drawString(fit(g, colLabels[c], cw), left + PAD + c * (cw + PAD), 12);
        for (int r = 0; r < rows; r++) {
            int y = top + PAD + r * (ch + PAD);
            if (rowLabels[r] != null) g.drawString(fit(g, rowLabels[r], left - 4), 2, y + ch / 2 + 4);
            for (int c = 0; c < cols; c++)
                if (cells[r][c] != null)
                    g.drawImage(cells[r][c], left + PAD + c * (cw + PAD), y, cw, ch, null);
        }
        g.dispose();
        return out;
    }

    public void writePng(OutputStream out) throws IOException {
        if (!ImageIO.write(render(), "png", out)) throw new IOException("no PNG writer available");
    }

    static BufferedImage toImage(INDArray chw) {
        if (chw.rank() != 3) throw new IllegalArgumentException("expected an image [C, H, W], got shape " + java.util.Arrays.toString(chw.shape()));
        int c = (int) chw.size(0), h = (int) chw.size(1), w = (int) chw.size(2);
        if (c != 1 && c != 3) throw new IllegalArgumentException("expected 1 or 3 channels, got " + c);
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        float[] v = chw.castTo(org.nd4j.linalg.api.buffer.DataType.FLOAT).dup('c').data().asFloat();
        for (int y = 0; y < h; y++)
            for (int x = 0; x < w; x++) {
                int r = toByte(v[(y * w + x)]);
                int gg = c == 3 ? toByte(v[h * w + y * w + x]) : r;
                int b = c == 3 ? toByte(v[2 * h * w + y * w + x]) : r;
                img.setRGB(x, y, (r << 16) | (gg << 8) | b);
            }
        return img;
    }

    private static int toByte(float v) {
        return Math.max(0, Math.min(255, Math.round((v + 1f) * 127.5f)));
    }

    /** A compact approximation of the viridis colour map. */
    private static int heat(double t) {
        t = Double.isFinite(t) ? Math.max(0, Math.min(1, t)) : 0;
        double[][] stops = {{68, 1, 84}, {59, 82, 139}, {33, 145, 140}, {94, 201, 98}, {253, 231, 37}};
        double p = t * (stops.length - 1);
        int i = Math.min((int) p, stops.length - 2);
        double f = p - i;
        int r = (int) Math.round(stops[i][0] + f * (stops[i + 1][0] - stops[i][0]));
        int g = (int) Math.round(stops[i][1] + f * (stops[i + 1][1] - stops[i][1]));
        int b = (int) Math.round(stops[i][2] + f * (stops[i + 1][2] - stops[i][2]));
        return (r << 16) | (g << 8) | b;
    }

    private static String fit(Graphics2D g, String s, int width) {
        var fm = g.getFontMetrics();
        if (fm.stringWidth(s) <= width) return s;
        String t = s;
        while (t.length() > 1 && fm.stringWidth(t + "…") > width) t = t.substring(0, t.length() - 1);
        return t + "…";
    }
}
