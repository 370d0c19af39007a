package org.factorlab.metrics;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import de.bwaldvogel.liblinear.Feature;
import de.bwaldvogel.liblinear.Model;
import de.bwaldvogel.liblinear.SolverType;
import java.util.Arrays;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The exact solvers behind SAP ({@link OneFeatureSvm}) and explicitness ({@link LogisticOvr}) and the radix
 * {@link Ranks}: each solution has a zero gradient of the primal objective computed here directly, row by row,
 * and an objective no higher than liblinear's (the Java port of the library sklearn calls, which stops at a
 * tolerance), with the same predictions and probabilities.
 */
class LinearSolversTest {
    /** Noisy 1-d points whose class shifts the mean: classes overlap, as a code dim against a factor. */
    static double[] oneFeature(int[] y, Random r, double offset) {
        double[] x = new double[y.length];
        for (int i = 0; i < y.length; i++) x[i] = offset + 0.3 * y[i] + r.nextGaussian();
        return x;
    }

    static int[] labels(int n, int classes, Random r) {
        int[] y = new int[n];
        for (int i = 0; i < n; i++) y[i] = i < classes ? i : r.nextInt(classes); // every class present
        return y;
    }

    /** Primal objective and gradient of problem k, row by row (the definition, no sorting or prefix sums). */
    static double[] svmObjective(double[] x, int[] y, int classes, double c, boolean balanced, int k, double w, double b) {
        int n = x.length;
        int[] count = new int[classes];
        for (int v : y) count[v]++;
        double f = 0.5 * (w * w + b * b), gw = w, gb = b;
        for (int i = 0; i < n; i++) {
            boolean pos = classes == 2 ? y[i] == 0 : y[i] == k;
            double yi = pos ? 1 : -1;
            double weight = balanced ? (double) n / (classes * count[y[i]]) : 1;
            double ci = classes == 2 || pos ? c * weight : c; // one-vs-rest: the rest get the plain C
            double margin = 1 - yi * (w * x[i] + b);
            if (margin <= 0) continue;
            f += ci * margin * margin;
            gw += -2 * ci * margin * yi * x[i];
            gb += -2 * ci * margin * yi;
        }
        return new double[]{f, gw, gb};
    }

    @Test
    void svmReachesTheMinimumAndPredictsAsLiblinear() {
        Random r = new Random(3);
        for (int classes : new int[]{2, 3, 10}) {
            for (boolean balanced : new boolean[]{true, false}) {
                for (double offset : new double[]{0, 500}) { // a far offset: the centred sums must not cancel
                    int n = 600;
                    int[] y = labels(n, classes, r);
                    double[] x = oneFeature(y, r, offset);
                    OneFeatureSvm svm = OneFeatureSvm.fit(x, y, classes, 0.01, balanced);
                    double[][] col = new double[n][1];
                    for (int i = 0; i < n; i++) col[i][0] = x[i];
                    Feature[][] f = Liblinear.features(col);
                    Model ref = Liblinear.train(f, 1, y, classes, SolverType.L2R_L2LOSS_SVC_DUAL, 0.01, balanced, 0);
                    int problems = classes == 2 ? 1 : classes;
                    for (int k = 0; k < problems; k++) {
                        double[] wb = svm.coefficients(k);
                        double[] at = svmObjective(x, y, classes, 0.01, balanced, k, wb[0], wb[1]);
                        String what = classes + " classes, balanced " + balanced + ", offset " + offset + ", problem " + k;
                        // zero gradient: the minimum (the objective is strictly convex)
                        double scale = 1 + 0.01 * n * (1 + offset * offset);
                        assertEquals(0, at[1], 1e-9 * scale, what);
                        assertEquals(0, at[2], 1e-9 * scale, what);
                        double[] rw = liblinearWeights(ref, k, classes);
                        double[] atRef = svmObjective(x, y, classes, 0.01, balanced, k, rw[0], rw[1]);
                        assertTrue(at[0] <= atRef[0] + 1e-9 * Math.abs(atRef[0]), what + ": " + at[0] + " > liblinear " + atRef[0]);
                        assertEquals(atRef[0], at[0], 1e-3 * Math.abs(atRef[0]), what);
                    }
                    int agree = 0;
                    for (int i = 0; i < n; i++) if (svm.predict(x[i]) == (int) de.bwaldvogel.liblinear.Linear.predict(ref, f[i])) agree++;
                    assertTrue(agree >= n - 3, classes + " classes: " + agree + " of " + n + " predictions agree");
                }
            }
        }
    }

    /** (w, b) of liblinear's problem k in our orientation (two classes: class 0 positive). */
    static double[] liblinearWeights(Model m, int k, int classes) {
        double[] fw = m.getFeatureWeights();
        int[] order = m.getLabels();
        if (classes == 2) {
            double sign = order[0] == 0 ? 1 : -1;
            return new double[]{sign * fw[0], sign * fw[1]};
        }
        int idx = -1;
        for (int j = 0; j < order.length; j++) if (order[j] == k) idx = j;
        return new double[]{fw[idx], fw[classes + idx]};
    }

    @Test
    void svmOnAConstantFeatureIsFiniteAndSorted() {
        int[] y = {0, 1, 2, 2, 1, 0, 2};
        double[] x = new double[y.length];
        Arrays.fill(x, 0.1);
        OneFeatureSvm svm = OneFeatureSvm.fit(x, y, 3, 0.01, true);
        for (int k = 0; k < 3; k++) for (double v : svm.coefficients(k)) assertTrue(Double.isFinite(v));
        int p = svm.predict(0.1);
        assertTrue(p >= 0 && p < 3);
    }

    /** Gradient of |w|^2 / 2 + C sum log(1 + exp(-y w.x)) for problem k, row by row. */
    static double[] logisticGradient(double[][] x, int[] y, int classes, double c, int k, double[] w) {
        int p = w.length;
        double[] g = w.clone();
        for (int i = 0; i < x.length; i++) {
            double yi = (classes == 2 ? y[i] == 1 : y[i] == k) ? 1 : -1;
            double z = w[p - 1];
            for (int j = 0; j < p - 1; j++) z += w[j] * x[i][j];
            double s = 1 / (1 + Math.exp(-yi * z));
            for (int j = 0; j < p - 1; j++) g[j] += c * (s - 1) * yi * x[i][j];
            g[p - 1] += c * (s - 1) * yi;
        }
        return g;
    }

    static double logisticObjective(double[][] x, int[] y, int classes, double c, int k, double[] w) {
        int p = w.length;
        double f = 0;
        for (double v : w) f += 0.5 * v * v;
        for (int i = 0; i < x.length; i++) {
            double yi = (classes == 2 ? y[i] == 1 : y[i] == k) ? 1 : -1;
            double z = w[p - 1];
            for (int j = 0; j < p - 1; j++) z += w[j] * x[i][j];
            f += c * Math.log1p(Math.exp(-yi * z));
        }
        return f;
    }

    @Test
    void logisticRegressionReachesTheMinimumAndMatchesLiblinearProbabilities() {
        Random r = new Random(7);
        for (int classes : new int[]{2, 4}) {
            int n = 2500, dims = 5; // above the coarse-to-fine threshold: the warm start is exercised
            int[] y = labels(n, classes, r);
            double[][] x = new double[n][dims];
            for (int i = 0; i < n; i++) for (int j = 0; j < dims; j++) x[i][j] = (j == 0 ? 0.8 * y[i] : 0.2 * j * y[i]) + r.nextGaussian();
            LogisticOvr lr = LogisticOvr.fit(x, y, classes, 1.0);
            Model ref = Liblinear.train(Liblinear.features(x), dims, y, classes, SolverType.L2R_LR, 1.0, false, 0);
            int problems = classes == 2 ? 1 : classes;
            for (int k = 0; k < problems; k++) {
                double[] w = lr.coefficients(k);
                for (double v : logisticGradient(x, y, classes, 1.0, k, w)) assertEquals(0, v, 1e-8 * n, classes + " classes, problem " + k);
                double[] fw = ref.getFeatureWeights();
                int[] order = ref.getLabels();
                double[] rw = new double[dims + 1];
                if (classes == 2) {
                    double sign = order[0] == 1 ? 1 : -1; // liblinear's first label is its positive class
                    for (int j = 0; j <= dims; j++) rw[j] = sign * fw[j];
                } else {
                    int idx = -1;
                    for (int j = 0; j < order.length; j++) if (order[j] == k) idx = j;
                    for (int j = 0; j <= dims; j++) rw[j] = fw[j * classes + idx];
                }
                double mine = logisticObjective(x, y, classes, 1.0, k, w), theirs = logisticObjective(x, y, classes, 1.0, k, rw);
                assertTrue(mine <= theirs + 1e-9 * theirs, mine + " > liblinear " + theirs);
                assertEquals(theirs, mine, 1e-4 * theirs);
            }
            double[][] p = lr.probabilities(x);
            for (int i = 0; i < n; i++) {
                assertEquals(1, Arrays.stream(p[i]).sum(), 1e-12);
                double[] q = Liblinear.probabilities(ref, Liblinear.features(new double[][]{x[i]})[0], classes);
                assertArrayEquals(q, p[i], 1e-3, "row " + i);
            }
        }
    }

    @Test
    void argsortAndAverageRanksAsTheDefinitions() {
        Random r = new Random(11);
        double[] x = new double[500];
        for (int i = 0; i < x.length; i++) {
            x[i] = switch (i % 5) {
                case 0 -> r.nextInt(7) - 3;              // ties among small integers
                case 1 -> -r.nextDouble() * 1e300;
                case 2 -> r.nextGaussian() * 1e-300;
                case 3 -> i % 2 == 0 ? -0.0 : 0.0;
                default -> r.nextBoolean() ? Double.POSITIVE_INFINITY : Double.NEGATIVE_INFINITY;
            };
        }
        int[] order = Ranks.argsort(x);
        for (int i = 1; i < order.length; i++) {
            double a = x[order[i - 1]], b = x[order[i]];
            assertTrue(a <= b, a + " before " + b);
            if (a == b) assertTrue(order[i - 1] < order[i], "stable on ties");
        }
        double[] ranks = Ranks.average(x);
        for (int i = 0; i < x.length; i++) {
            int less = 0, equal = 0;
            for (double v : x) {
                if (v < x[i]) less++;
                else if (v == x[i]) equal++;
            }
            assertEquals(less + (equal + 1) / 2.0, ranks[i], 0.0, "rank of " + x[i]);
        }
    }
}
