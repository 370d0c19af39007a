package org.factorlab.metrics;

import java.io.Serializable;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What every metric scores: codes {@code N x D} and ground-truth factor classes {@code N x K}, row i of both
 * describing the same image. Validated once here so that metrics never see a malformed input: row counts must
 * agree, codes must be finite (a NaN or infinite code is an error, not a score), and factor classes may be any
 * integers (each metric maps them to dense labels).
 */
public final class CodesAndFactors implements Serializable {
    private static final long serialVersionUID = 1L;

    private final double[][] codes;
    private final int[][] factors;
    private final List<String> factorNames;
    private transient double[][] columns;
    private transient int[] classCounts;

    public CodesAndFactors(double[][] codes, int[][] factors, List<String> factorNames) {
        Objects.requireNonNull(codes, "codes");
        Objects.requireNonNull(factors, "factors");
        if (codes.length == 0) throw new IllegalArgumentException("codes have no rows");
        if (codes.length != factors.length)
            throw new IllegalArgumentException("codes have " + codes.length + " rows but factors have " + factors.length
                    + " rows; row i of both must describe the same image");
        int d = codes[0].length, k = factors[0].length;
        if (d == 0) throw new IllegalArgumentException("codes have 0 dimensions");
        if (k == 0) throw new IllegalArgumentException("factors have 0 columns");
        this.codes = new double[codes.length][];
        this.factors = new int[codes.length][];
        for (int i = 0; i < codes.length; i++) {
            if (codes[i].length != d)
                throw new IllegalArgumentException("codes row " + i + " has " + codes[i].length + " dims, row 0 has " + d);
            if (factors[i].length != k)
                throw new IllegalArgumentException("factors row " + i + " has " + factors[i].length + " columns, row 0 has " + k);
            for (int j = 0; j < d; j++)
                if (!Double.isFinite(codes[i][j]))
                    throw new IllegalArgumentException("codes row " + i + ", dim " + j + " is " + codes[i][j]
                            + "; metrics are undefined on non-finite codes (fix or drop the row)");
            this.codes[i] = codes[i].clone();
            this.factors[i] = factors[i].clone();
        }
        if (factorNames == null) {
            var names = new ArrayList<String>();
            for (int j = 0; j < k; j++) names.add("factor" + j);
            factorNames = names;
        }
        if (factorNames.size() != k)
            throw new IllegalArgumentException(factorNames.size() + " factor names for " + k + " factor columns");
        if (factorNames.stream().distinct().count() != k)
            throw new IllegalArgumentException("duplicate factor names " + factorNames);
        this.factorNames = List.copyOf(factorNames);
    }

    public CodesAndFactors(double[][] codes, int[][] factors) {
        this(codes, factors, null);
    }

    /** From ND4J arrays: codes {@code [N, D]} (any float type), factors {@code [N, K]} (integral values). */
    public static CodesAndFactors of(INDArray codes, INDArray factors, List<String> factorNames) {
        if (codes.rank() != 2 || factors.rank() != 2)
            throw new IllegalArgumentException("codes and factors must be rank 2, got " + Arrays.toString(codes.shape())
                    + " and " + Arrays.toString(factors.shape()));
        double[][] c = codes.toDoubleMatrix();
        double[][] f = factors.toDoubleMatrix();
        int[][] fi = new int[f.length][];
        for (int i = 0; i < f.length; i++) {
            fi[i] = new int[f[i].length];
            for (int j = 0; j < f[i].length; j++) {
                if (f[i][j] != Math.rint(f[i][j]))
                    throw new IllegalArgumentException("factors row " + i + ", column " + j + " is " + f[i][j] + ", not a class index");
                fi[i][j] = (int) f[i][j];
            }
        }
        return new CodesAndFactors(c, fi, factorNames);
    }

    public int numPoints() {
        return codes.length;
    }

    public int codeDim() {
        return codes[0].length;
    }

    public int numFactors() {
        return factors[0].length;
    }

    public List<String> factorNames() {
        return factorNames;
    }

    public double code(int row, int dim) {
        return codes[row][dim];
    }

    public int factor(int row, int k) {
        return factors[row][k];
    }

    /** A copy of the codes, row-major. */
    public double[][] codes() {
        double[][] out = new double[codes.length][];
        for (int i = 0; i < codes.length; i++) out[i] = codes[i].clone();
        return out;
    }

    /** A copy of the factor classes, row-major. */
    public int[][] factors() {
        int[][] out = new int[factors.length][];
        for (int i = 0; i < factors.length; i++) out[i] = factors[i].clone();
        return out;
    }

    /** Code dim {@code dim} over all rows (shared, do not modify). */
    double[] column(int dim) {
        double[][] cols = columns;
        if (cols == null) {
            cols = new double[codeDim()][numPoints()];
            for (int i = 0; i < codes.length; i++)
                for (int j = 0; j < cols.length; j++) cols[j][i] = codes[i][j];
            columns = cols;
        }
        return cols[dim];
    }

    /** Code dim {@code dim} at the given rows. */
    double[] column(int dim, int[] rows) {
        double[] out = new double[rows.length];
        for (int i = 0; i < rows.length; i++) out[i] = codes[rows[i]][dim];
        return out;
    }

    /** Factor {@code k} at the given rows, as dense labels 0..c-1 (sorted by class value). */
    Labels labels(int k, int[] rows) {
        int[] raw = new int[rows.length];
        for (int i = 0; i < rows.length; i++) raw[i] = factors[rows[i]][k];
        return Labels.of(raw);
    }

    /** Number of distinct classes factor {@code k} takes over all rows. */
    public int numClasses(int k) {
        int[] counts = classCounts;
        if (counts == null) { // every metric task asks; count once per data set (sort, no boxing)
            counts = new int[numFactors()];
            int[] col = new int[factors.length];
            for (int j = 0; j < counts.length; j++) {
                for (int i = 0; i < col.length; i++) col[i] = factors[i][j];
                Arrays.sort(col);
                int distinct = 1;
                for (int i = 1; i < col.length; i++) if (col[i] != col[i - 1]) distinct++;
                counts[j] = distinct;
            }
            classCounts = counts;
        }
        return counts[k];
    }

    /**
     * Factors that take more than one value. A single-valued factor has zero entropy and no metric is defined
     * for it (MIG would divide by zero): it is left out, with a warning added to {@code warnings}.
     */
    int[] informativeFactors(List<String> warnings) {
        var keep = new ArrayList<Integer>();
        for (int k = 0; k < numFactors(); k++) {
            if (numClasses(k) > 1) keep.add(k);
            else warnings.add("factor '" + factorNames.get(k) + "' takes a single value; left out of this metric");
        }
        if (keep.isEmpty())
            throw new IllegalArgumentException("no factor takes more than one value; no metric is defined");
        return keep.stream().mapToInt(Integer::intValue).toArray();
    }

    /** Dense class labels of one factor: {@code label[i]} in 0..numClasses-1, {@code classes[label]} the original. */
    record Labels(int[] label, int[] classes) {
        static Labels of(int[] raw) {
            int[] classes = Arrays.stream(raw).distinct().sorted().toArray();
            int[] label = new int[raw.length];
            for (int i = 0; i < raw.length; i++) label[i] = Arrays.binarySearch(classes, raw[i]);
            return new Labels(label, classes);
        }

        int numClasses() {
            return classes.length;
        }

        /** Labels of {@code raw} in this mapping; a class never seen here maps to -1. */
        int[] map(int[] raw) {
            int[] out = new int[raw.length];
            for (int i = 0; i < raw.length; i++) {
                int p = Arrays.binarySearch(classes, raw[i]);
                out[i] = p < 0 ? -1 : p;
            }
            return out;
        }
    }

    int[] rawFactor(int k, int[] rows) {
        int[] raw = new int[rows.length];
        for (int i = 0; i < rows.length; i++) raw[i] = factors[rows[i]][k];
        return raw;
    }
}
