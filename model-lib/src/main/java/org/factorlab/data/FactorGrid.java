package org.factorlab.data;

import java.util.List;

/**
 * The canonical mapping between a grid index and factor classes: mixed radix, last factor fastest
 * (row-major, the order Shapes3D, MPI3D and dSprites are stored in).
 */
public final class FactorGrid {
    private final int[] sizes;
    private final long[] strides;
    private final long count;

    public FactorGrid(int... sizes) {
        if (sizes.length == 0) throw new IllegalArgumentException("a factor grid needs at least one factor");
        this.sizes = sizes.clone();
        this.strides = new long[sizes.length];
        long s = 1;
        for (int k = sizes.length - 1; k >= 0; k--) {
            if (sizes[k] < 1) throw new IllegalArgumentException("factor " + k + " has size " + sizes[k]);
            strides[k] = s;
            s = Math.multiplyExact(s, sizes[k]);
        }
        this.count = s;
    }

    public static FactorGrid of(List<Factor> factors) {
        return new FactorGrid(factors.stream().mapToInt(Factor::size).toArray());
    }

    public int numFactors() {
        return sizes.length;
    }

    public int size(int factor) {
        return sizes[factor];
    }

    public int[] sizes() {
        return sizes.clone();
    }

    /** Number of points in the grid (product of sizes). */
    public long count() {
        return count;
    }

    public long index(int... classes) {
        if (classes.length != sizes.length)
            throw new IllegalArgumentException("expected " + sizes.length + " factor classes, got " + classes.length);
        long idx = 0;
        for (int k = 0; k < sizes.length; k++) {
            if (classes[k] < 0 || classes[k] >= sizes[k])
                throw new IllegalArgumentException("factor " + k + ": class " + classes[k] + " outside [0, " + sizes[k] + ")");
            idx += classes[k] * strides[k];
        }
        return idx;
    }

    public int[] classes(long index) {
        int[] out = new int[sizes.length];
        classes(index, out);
        return out;
    }

    public void classes(long index, int[] out) {
        if (index < 0 || index >= count)
            throw new IllegalArgumentException("grid index " + index + " outside [0, " + count + ")");
        for (int k = 0; k < sizes.length; k++) {
            out[k] = (int) (index / strides[k]);
            index -= out[k] * strides[k];
        }
    }
}
