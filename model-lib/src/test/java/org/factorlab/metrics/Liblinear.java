package org.factorlab.metrics;

import de.bwaldvogel.liblinear.Feature;
import de.bwaldvogel.liblinear.FeatureNode;
import de.bwaldvogel.liblinear.Linear;
import de.bwaldvogel.liblinear.Model;
import de.bwaldvogel.liblinear.Parameter;
import de.bwaldvogel.liblinear.Problem;
import de.bwaldvogel.liblinear.SolverType;
import java.util.Random;

/**
 * The liblinear calls behind sklearn's LinearSVC and LogisticRegression(solver="liblinear"): features plus a
 * bias feature of 1 (sklearn's intercept_scaling = 1, regularised like a weight), tolerance 1e-4, 1000
 * iterations, one-vs-rest for more than two classes. Each fit gets its own seeded Random, so fits in parallel
 * threads stay deterministic.
 */
final class Liblinear {
    static {
        Linear.disableDebugOutput();
    }

    static final double TOL = 1e-4;
    static final int MAX_ITER = 1000;

    private Liblinear() {
    }

    /** Rows of {@code x} (features already chosen) with the bias feature appended. */
    static Feature[][] features(double[][] x) {
        Feature[][] out = new Feature[x.length][];
        for (int i = 0; i < x.length; i++) {
            int n = x[i].length;
            out[i] = new Feature[n + 1];
            for (int j = 0; j < n; j++) out[i][j] = new FeatureNode(j + 1, x[i][j]);
            out[i][n] = new FeatureNode(n + 1, 1.0);
        }
        return out;
    }

    static Model train(Feature[][] x, int numFeatures, int[] y, int numClasses, SolverType solver, double c,
                       boolean balanced, long seed) {
        Problem p = new Problem();
        p.l = x.length;
        p.n = numFeatures + 1;
        p.x = x;
        p.bias = -1; // the bias feature is already in x
        p.y = new double[y.length];
        for (int i = 0; i < y.length; i++) p.y[i] = y[i];
        Parameter param = new Parameter(solver, c, TOL);
        param.setMaxIters(MAX_ITER);
        param.setRandom(new Random(seed));
        if (balanced) {
            // sklearn class_weight="balanced": n / (n_classes * count_c), applied to C per class
            long[] count = new long[numClasses];
            for (int v : y) count[v]++;
            int present = 0;
            for (long cnt : count) if (cnt > 0) present++;
            double[] w = new double[present];
            int[] labels = new int[present];
            int j = 0;
            for (int cls = 0; cls < numClasses; cls++) {
                if (count[cls] == 0) continue;
                labels[j] = cls;
                w[j++] = (double) y.length / (present * count[cls]);
            }
            param.setWeights(w, labels);
        }
        return Linear.train(p, param);
    }

    static int predict(Model m, Feature[] row) {
        return (int) Linear.predict(m, row);
    }

    /** Class probabilities indexed by label 0..numClasses-1 (0 for a class the model never saw). */
    static double[] probabilities(Model m, Feature[] row, int numClasses) {
        double[] p = new double[m.getNrClass()];
        Linear.predictProbability(m, row, p);
        double[] out = new double[numClasses];
        int[] labels = m.getLabels();
        for (int i = 0; i < labels.length; i++) out[labels[i]] = p[i];
        return out;
    }
}
