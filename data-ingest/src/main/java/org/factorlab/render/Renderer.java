package org.factorlab.render;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.factorlab.data.FactorGrid;
import org.factorlab.ingest.RawReader;

/** A procedural dataset: every grid point of its (possibly restricted) spec can be rendered on its own. */
public interface Renderer extends RawReader {
    /** The image (HWC uint8) at the given factor classes of {@link #spec()}. */
    byte[] image(int[] classes);

    /** {@code n} images at seeded random grid points, for contact sheets. */
    default List<byte[]> samples(int n, long seed) {
        FactorGrid g = spec().grid();
        SplittableRandom rng = new SplittableRandom(seed);
        List<byte[]> out = new ArrayList<>();
        for (int i = 0; i < n; i++) out.add(image(g.classes(rng.nextLong(g.count()))));
        return out;
    }
}
