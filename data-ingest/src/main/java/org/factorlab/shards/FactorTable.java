package org.factorlab.shards;

import java.util.Arrays;
import org.factorlab.data.DatasetSpec;

/**
 * Every row's canonical index, factor classes and attributes, sorted by index (for a full grid, row {@code i} is
 * grid index {@code i}). What evaluation needs to sample factor-grid batches without touching images.
 */
public final class FactorTable {
    private final DatasetSpec spec;
    private final long[] indices;
    private final int[][] factors;
    private final int[][] attributes;

    FactorTable(DatasetSpec spec, long[] indices, int[][] factors, int[][] attributes) {
        this.spec = spec;
        this.indices = indices;
        this.factors = factors;
        this.attributes = attributes;
    }

    public DatasetSpec spec() {
        return spec;
    }

    public int size() {
        return indices.length;
    }

    public long index(int row) {
        return indices[row];
    }

    /** Factor classes of row {@code row} (a copy). */
    public int[] factors(int row) {
        return factors[row].clone();
    }

    /** Attributes of row {@code row} (a copy). */
    public int[] attributes(int row) {
        return attributes[row].clone();
    }

    /** All indices in ascending order (a copy). */
    public long[] indices() {
        return indices.clone();
    }

    /** All factor classes, {@code [rows][factors]} (a deep copy). */
    public int[][] factorMatrix() {
        int[][] out = new int[factors.length][];
        for (int i = 0; i < out.length; i++) out[i] = factors[i].clone();
        return out;
    }

    /** The row holding canonical index {@code index}, or -1 if the dataset does not hold it. */
    public int rowOf(long index) {
        int r = Arrays.binarySearch(indices, index);
        return r >= 0 ? r : -1;
    }

    /** Whether the table holds every point of the factor grid (so row == grid index). */
    public boolean isFullGrid() {
        return spec.hasFactors() && indices.length == spec.grid().count();
    }
}
