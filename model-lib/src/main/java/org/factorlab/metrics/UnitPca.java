package org.factorlab.metrics;

import org.apache.commons.math3.linear.Array2DRowRealMatrix;
import org.apache.commons.math3.linear.EigenDecomposition;
import org.apache.commons.math3.linear.RealVector;
import org.factorlab.model.RepresentationEncoder;

/**
 * Reduces vector-valued codes to one number per unit, as DisDiff's evaluation does: for each unit of
 * {@code unitSize} consecutive dims, the projection of the centred codes on the unit's first principal
 * component (PCA fitted on all rows given). The sign follows sklearn's PCA (svd_flip on U): the projected value
 * largest in magnitude is positive. {@code unitSize} 1 returns the codes unchanged.
 */
public final class UnitPca {
    private UnitPca() {
    }

    public static double[][] reduce(double[][] codes, RepresentationEncoder encoder) {
        return reduce(codes, encoder.unitSize());
    }

    public static CodesAndFactors reduce(CodesAndFactors data, int unitSize) {
        if (unitSize == 1) return data;
        return new CodesAndFactors(reduce(data.codes(), unitSize), data.factors(), data.factorNames());
    }

    /**
     * Per unit: the mean of its {@code unitSize} entries over the rows and its first principal direction (unit norm),
     * signed so that the projected value largest in magnitude is positive (sklearn's convention).
     */
    public record Fit(double[][] mean, double[][] direction) {
        public int units() {
            return mean.length;
        }

        public int unitSize() {
            return mean[0].length;
        }

        /** The projection of unit {@code u} of a code row on its direction, after centring. */
        public double project(double[] row, int u) {
            int off = u * unitSize();
            double s = 0;
            for (int j = 0; j < unitSize(); j++) s += (row[off + j] - mean[u][j]) * direction[u][j];
            return s;
        }
    }

    /** Fits each unit's mean and first principal direction on all rows; {@code unitSize} must divide the code dim. */
    public static Fit fit(double[][] codes, int unitSize) {
        int n = codes.length, d = codes[0].length;
        if (unitSize < 1 || d % unitSize != 0)
            throw new IllegalArgumentException("code dim " + d + " is not a multiple of the unit size " + unitSize);
        int units = d / unitSize;
        double[][] means = new double[units][], dirs = new double[units][];
        for (int u = 0; u < units; u++) {
            int off = u * unitSize;
            double[] mean = new double[unitSize];
            for (double[] row : codes) for (int j = 0; j < unitSize; j++) mean[j] += row[off + j];
            for (int j = 0; j < unitSize; j++) mean[j] /= n;
            double[][] cov = new double[unitSize][unitSize];
            for (double[] row : codes)
                for (int a = 0; a < unitSize; a++) {
                    double xa = row[off + a] - mean[a];
                    for (int b = a; b < unitSize; b++) cov[a][b] += xa * (row[off + b] - mean[b]);
                }
            for (int a = 0; a < unitSize; a++) for (int b = 0; b < a; b++) cov[a][b] = cov[b][a];
            double[] pc = unitSize == 1 ? new double[]{1} : firstComponent(cov);
            double extreme = 0;
            for (double[] row : codes) {
                double s = 0;
                for (int j = 0; j < unitSize; j++) s += (row[off + j] - mean[j]) * pc[j];
                if (Math.abs(s) > Math.abs(extreme)) extreme = s;
            }
            if (extreme < 0) for (int j = 0; j < unitSize; j++) pc[j] = -pc[j];
            means[u] = mean;
            dirs[u] = pc;
        }
        return new Fit(means, dirs);
    }

    public static double[][] reduce(double[][] codes, int unitSize) {
        int n = codes.length, d = codes[0].length;
        if (unitSize < 1 || d % unitSize != 0)
            throw new IllegalArgumentException("code dim " + d + " is not a multiple of the unit size " + unitSize);
        if (unitSize == 1) {
            double[][] out = new double[n][];
            for (int i = 0; i < n; i++) out[i] = codes[i].clone();
            return out;
        }
        Fit fit = fit(codes, unitSize);
        double[][] out = new double[n][fit.units()];
        for (int i = 0; i < n; i++) for (int u = 0; u < fit.units(); u++) out[i][u] = fit.project(codes[i], u);
        return out;
    }

    /**
     * A traversal of one unit along its first principal direction: the unit's mean and direction over the given
     * codes, and the values of its projection at {@code probs} (empirical quantiles, linear interpolation).
     */
    public record Traversal(int unit, double[] mean, double[] direction, double[] values) {
    }

    /** One {@link Traversal} per unit of {@code codes} (rows = images), at the projection quantiles {@code probs}. */
    public static java.util.List<Traversal> traversals(double[][] codes, int unitSize, double[] probs) {
        Fit fit = fit(codes, unitSize);
        var out = new java.util.ArrayList<Traversal>();
        for (int u = 0; u < fit.units(); u++) {
            double[] p = new double[codes.length];
            for (int i = 0; i < codes.length; i++) p[i] = fit.project(codes[i], u);
            java.util.Arrays.sort(p);
            double[] values = new double[probs.length];
            for (int q = 0; q < probs.length; q++) {
                double pos = Math.max(0, Math.min(1, probs[q])) * (p.length - 1);
                int lo = (int) Math.floor(pos), hi = Math.min(p.length - 1, lo + 1);
                values[q] = p[lo] + (pos - lo) * (p[hi] - p[lo]);
            }
            out.add(new Traversal(u, fit.mean()[u].clone(), fit.direction()[u].clone(), values));
        }
        return out;
    }

    private static double[] firstComponent(double[][] cov) {
        EigenDecomposition eig = new EigenDecomposition(new Array2DRowRealMatrix(cov, false));
        double[] values = eig.getRealEigenvalues();
        int best = 0;
        for (int i = 1; i < values.length; i++) if (values[i] > values[best]) best = i;
        RealVector v = eig.getEigenvector(best);
        return v.toArray();
    }
}
