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
 * The embedded default dataset: Shapes3D's exact factor grid (floor_hue, wall_hue, object_hue 10 each, scale 8,
 * shape 4, orientation 15, with Shapes3D's stored values) rendered by {@link Shapes3DScene} at any square size.
 * Factors may be restricted to subsets of their classes; restricted factors keep their original values and the
 * spec's sizes shrink accordingly. As a {@link RawReader} it streams straight into a shard writer, on all cores:
 * geometries (scale x shape x orientation) are ray cast in parallel, each then coloured for every hue triple.
 */
public final class Shapes3DRenderer implements Renderer {
    public static final String NAME = "shapes3d-rendered";
    private static final int FLOOR = 0, WALL = 1, OBJECT = 2, SCALE = 3, SHAPE = 4, ORIENTATION = 5;

    private final int size;
    private final int samples;
    private final int threads;
    private final DatasetSpec full;
    private final DatasetSpec spec;
    private final int[][] keep;
    private final float[][] hues;

    /**
     * @param size    image height and width in pixels
     * @param samples sub-pixel rays per axis (antialiasing; 4 means 16 rays per pixel)
     * @param keep    per factor (Shapes3D order) the original classes to keep, or null for all; null list = all
     * @param threads worker threads
     */
    public Shapes3DRenderer(int size, int samples, List<int[]> keep, int threads) {
        if (size < 8) throw new IllegalArgumentException("image size must be >= 8, got " + size);
        if (samples < 1 || samples > 16) throw new IllegalArgumentException("samples per axis must be 1..16, got " + samples);
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        this.size = size;
        this.samples = samples;
        this.threads = threads;
        DatasetSpec s3 = KnownDataset.SHAPES3D.spec();
        this.full = new DatasetSpec(NAME, s3.factors(), ImageShape.square(size, 3));
        this.keep = FactorRestriction.resolve(full, keep);
        List<int[]> k = new ArrayList<>();
        for (int[] a : this.keep) k.add(a);
        this.spec = full.restrict(k);
        this.hues = new float[10][];
        for (int h = 0; h < 10; h++) hues[h] = Colors.linearHue(full.factors().get(FLOOR).value(h));
    }

    public Shapes3DRenderer(int size) {
        this(size, 4, null, Runtime.getRuntime().availableProcessors());
    }

    @Override
    public DatasetSpec spec() {
        return spec;
    }

    @Override
    public long count() {
        return spec.grid().count();
    }

    /** Ray casts the geometry of a restricted-grid point (hues do not matter). */
    public Shapes3DScene.Layers layers(int[] classes) {
        return Shapes3DScene.render(size, samples, full.factors().get(SCALE).value(keep[SCALE][classes[SCALE]]),
                keep[SHAPE][classes[SHAPE]], full.factors().get(ORIENTATION).value(keep[ORIENTATION][classes[ORIENTATION]]));
    }

    /** One image (HWC uint8) for the given classes of the (restricted) spec. */
    public byte[] image(int[] classes) {
        spec.grid().index(classes); // validates
        byte[] out = new byte[size * size * 3];
        compose(layers(classes), classes, out);
        return out;
    }

    private void compose(Shapes3DScene.Layers l, int[] classes, byte[] out) {
        float[] f = hues[keep[FLOOR][classes[FLOOR]]], w = hues[keep[WALL][classes[WALL]]], o = hues[keep[OBJECT][classes[OBJECT]]];
        float[] lf = l.floor(), lw = l.wall(), lo = l.object(), hl = l.highlight();
        for (int i = 0, j = 0; i < lf.length; i++, j += 3) {
            float a = lf[i], b = lw[i], c = lo[i], h = hl[i];
            out[j] = Colors.linearToSrgbByte(a * f[0] + b * w[0] + c * o[0] + h);
            out[j + 1] = Colors.linearToSrgbByte(a * f[1] + b * w[1] + c * o[1] + h);
            out[j + 2] = Colors.linearToSrgbByte(a * f[2] + b * w[2] + c * o[2] + h);
        }
    }

    @Override
    public void read(ExampleSink sink) throws IOException {
        FactorGrid grid = spec.grid();
        int nScale = grid.size(SCALE), nShape = grid.size(SHAPE), nOri = grid.size(ORIENTATION);
        int geometries = nScale * nShape * nOri;
        Parallel.forEach(geometries, threads, g -> {
            int[] c = new int[6];
            c[SCALE] = g / (nShape * nOri);
            c[SHAPE] = (g / nOri) % nShape;
            c[ORIENTATION] = g % nOri;
            Shapes3DScene.Layers l = layers(c);
            for (int fh = 0; fh < grid.size(FLOOR); fh++)
                for (int wh = 0; wh < grid.size(WALL); wh++)
                    for (int oh = 0; oh < grid.size(OBJECT); oh++) {
                        c[FLOOR] = fh;
                        c[WALL] = wh;
                        c[OBJECT] = oh;
                        byte[] img = new byte[size * size * 3];
                        compose(l, c, img);
                        sink.accept(new Example(grid.index(c), img, c.clone(), null));
                    }
        });
    }
}
