package org.factorlab.render;

import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.FactorGrid;
import org.factorlab.data.ImageShape;
import org.factorlab.data.KnownDataset;
import org.factorlab.ingest.Example;

/**
 * A dSprites-like set with dSprites' factor grid and values (color 1, shape 3: square, ellipse, heart; scale 6 in
 * 0.5..1; orientation 40 in 0..2pi; pos_x, pos_y 32 each in 0..1): one white sprite on black, binary like dSprites
 * (0 or 255, tested at pixel centres), single channel. At scale 1 the square is about 0.3 of the image wide; sprite
 * centres span 0.2..0.8 of the image. Note that orientation 0 and 2pi give identical images, as in dSprites.
 */
public final class DSpritesRenderer implements Renderer {
    public static final String NAME = "dsprites-rendered";
    private static final int SHAPE = 1, SCALE = 2, ORIENTATION = 3, POS_X = 4, POS_Y = 5;
    static final double HALF_SIZE = 0.15, POS_LO = 0.2, POS_RANGE = 0.6;

    private final int size;
    private final int threads;
    private final DatasetSpec full;
    private final DatasetSpec spec;
    private final int[][] keep;

    public DSpritesRenderer(int size, List<int[]> keep, int threads) {
        if (size < 8) throw new IllegalArgumentException("image size must be >= 8, got " + size);
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.size = size;
        this.threads = threads;
        this.full = new DatasetSpec(NAME, KnownDataset.DSPRITES.spec().factors(), ImageShape.square(size, 1));
        this.keep = FactorRestriction.resolve(full, keep);
        List<int[]> k = new ArrayList<>();
        for (int[] a : this.keep) k.add(a);
        this.spec = full.restrict(k);
    }

    public DSpritesRenderer(int size) {
        this(size, null, Runtime.getRuntime().availableProcessors());
    }

    @Override
    public DatasetSpec spec() {
        return spec;
    }

    @Override
    public long count() {
        return spec.grid().count();
    }

    /** One image (H x W x 1, 0 or 255) for the given classes of the (restricted) spec. */
    public byte[] image(int[] classes) {
        spec.grid().index(classes);
        byte[] out = new byte[size * size];
        draw(classes, out);
        return out;
    }

    private double value(int factor, int cls) {
        return full.factors().get(factor).value(keep[factor][cls]);
    }

    private void draw(int[] c, byte[] out) {
        int shape = keep[SHAPE][c[SHAPE]];
        double h = HALF_SIZE * size * value(SCALE, c[SCALE]);
        double angle = value(ORIENTATION, c[ORIENTATION]);
        double cx = (POS_LO + POS_RANGE * value(POS_X, c[POS_X])) * size;
        double cy = (POS_LO + POS_RANGE * value(POS_Y, c[POS_Y])) * size;
        double cos = Math.cos(angle), sin = Math.sin(angle);
        double reach = 1.5 * h; // every shape lies within this radius of its centre
        int x0 = Math.max(0, (int) Math.floor(cx - reach)), x1 = Math.min(size - 1, (int) Math.ceil(cx + reach));
        int y0 = Math.max(0, (int) Math.floor(cy - reach)), y1 = Math.min(size - 1, (int) Math.ceil(cy + reach));
        for (int y = y0; y <= y1; y++) {
            double dy = cy - (y + 0.5); // image rows grow downwards; shape coordinates point up
            for (int x = x0; x <= x1; x++) {
                double dx = x + 0.5 - cx;
                // rotate the pixel by -angle into the sprite's frame, in units of the half size
                double u = (cos * dx + sin * dy) / h, v = (-sin * dx + cos * dy) / h;
                if (inside(shape, u, v)) out[y * size + x] = (byte) 255;
            }
        }
    }

    static boolean inside(int shape, double u, double v) {
        return switch (shape) {
            case 0 -> Math.abs(u) <= 1 && Math.abs(v) <= 1; // square
            case 1 -> u * u / 1.44 + v * v / 0.36 <= 1; // ellipse, 2:1
            default -> { // heart: (x^2 + y^2 - 1)^3 - x^2 y^3 <= 0, spanning about [-1.14, 1.14] x [-1, 1.24]
                double x = u * 1.1, y = v * 1.1 + 0.1;
                double a = x * x + y * y - 1;
                yield a * a * a - x * x * y * y * y <= 0;
            }
        };
    }

    @Override
    public void read(ExampleSink sink) throws IOException {
        FactorGrid grid = spec.grid();
        long n = grid.count();
        int chunk = grid.size(POS_X) * grid.size(POS_Y); // one task per (color, shape, scale, orientation)
        int tasks = (int) (n / chunk);
        Parallel.forEach(tasks, threads, t -> {
            int[] c = new int[6];
            for (long i = (long) t * chunk; i < (long) (t + 1) * chunk; i++) {
                grid.classes(i, c);
                byte[] img = new byte[size * size];
                draw(c, img);
                sink.accept(new Example(i, img, c.clone(), null));
            }
        });
    }
}
