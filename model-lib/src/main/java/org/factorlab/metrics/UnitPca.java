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

    public static double[][] reduce(double[][] codes, int unitSize) {
        int n = codes.length, d = codes[0].length;
        if (unitSize < 1 || d % unitSize != 0)
            throw new IllegalArgumentException("code dim " + d + " is not a multiple of the unit size " + unitSize);
        if (unitSize == 1) {
            double[][] out = new double[n][];
            for (int i = 0; i < n; i++) out[i] = codes[i].clone();
            return out;
        }
        int units = d / unitSize;
        double[][] out = new double[n][units];
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
            double[] pc = firstComponent(cov);
            double extreme = 0;
            for (int i = 0; i < n; i++) {
                double s = 0;
                for (int j = 0; j < unitSize; j++) s += (codes[i][off + j] - mean[j]) * pc[j];
                out[i][u] = s;
                if (Math.abs(s) > Math.abs(extreme)) extreme = s;
            }
            if (extreme < 0) for (int i = 0; i < n; i++) out[i][u] = -out[i][u];
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
