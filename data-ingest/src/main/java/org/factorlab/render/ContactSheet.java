package org.factorlab.render;

import java.awt.image.BufferedImage;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import javax.imageio.ImageIO;
import org.factorlab.data.ImageShape;

/** A grid of HWC uint8 images as one PNG, each image enlarged by an integer factor (nearest neighbour). */
public final class ContactSheet {
    private ContactSheet() {
    }

    public static BufferedImage of(List<byte[]> images, ImageShape shape, int columns, int zoom) {
        int h = shape.height(), w = shape.width(), c = shape.channels(), gap = 2;
        int rows = (images.size() + columns - 1) / columns;
        int cw = w * zoom + gap, ch = h * zoom + gap;
        BufferedImage out = new BufferedImage(columns * cw + gap, rows * ch + gap, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < out.getHeight(); y++) for (int x = 0; x < out.getWidth(); x++) out.setRGB(x, y, 0xFFFFFF);
        for (int n = 0; n < images.size(); n++) {
            byte[] img = images.get(n);
            int ox = gap + (n % columns) * cw, oy = gap + (n / columns) * ch;
            for (int y = 0; y < h * zoom; y++)
                for (int x = 0; x < w * zoom; x++) {
                    int p = ((y / zoom) * w + x / zoom) * c;
                    int r = img[p] & 0xFF, g = c == 3 ? img[p + 1] & 0xFF : r, b = c == 3 ? img[p + 2] & 0xFF : r;
                    out.setRGB(ox + x, oy + y, (r << 16) | (g << 8) | b);
                }
        }
        return out;
    }

    /**
     * One row per factor with more than one class: {@code columns} images varying that factor over evenly spaced
     * classes, the others held at a seeded random base point (rows padded by repeating the last image).
     */
    public static List<byte[]> traversals(Renderer r, int columns, long seed) {
        var grid = r.spec().grid();
        int[] base = grid.classes(new java.util.SplittableRandom(seed).nextLong(grid.count()));
        List<byte[]> out = new java.util.ArrayList<>();
        for (int k = 0; k < grid.numFactors(); k++) {
            int n = grid.size(k);
            if (n < 2) continue;
            for (int j = 0; j < columns; j++) {
                int[] c = base.clone();
                c[k] = (int) Math.round((double) Math.min(j, n - 1) * (n - 1) / Math.max(1, Math.min(columns, n) - 1));
                c[k] = Math.min(c[k], n - 1);
                out.add(r.image(c));
            }
        }
        return out;
    }

    public static void write(List<byte[]> images, ImageShape shape, int columns, int zoom, Path png) throws IOException {
        if (png.getParent() != null) Files.createDirectories(png.getParent());
        if (!ImageIO.write(of(images, shape, columns, zoom), "png", png.toFile())) throw new IOException("no PNG writer");
    }
}
