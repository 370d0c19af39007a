package org.factorlab.metrics;

/**
 * sklearn's {@code LogisticRegression(solver="liblinear")} (L2 penalty, the intercept as a bias feature of 1
 * that is regularised like a weight, liblinear's one-vs-rest, probabilities normalised across classes), with
 * every binary problem
 *
 * <pre>  min over w  |w|^2 / 2 + C sum_i log(1 + exp(-y_i w.x_i))</pre>
 *
 * solved to its minimum by Newton's method with the full (D+1) x (D+1) Hessian and a Cholesky solve, instead of
 * liblinear's trust-region Newton with conjugate gradients on sparse feature objects. The code dims are few (tens),
 * so a dense Hessian costs one pass over the rows per iteration and the iteration count is that of Newton's method
 * (quadratic convergence, typically under ten), on contiguous arrays without per-row objects.
 *
 * <p>Class handling as liblinear's: two classes give one problem (class 1 positive; p(class 1) = sigmoid(w.x));
 * more classes give one problem per class against all others, and the probabilities are the per-class sigmoids
 * divided by their sum.
 */
final class LogisticOvr {
    private static final int MAX_NEWTON = 100;
    private static final double GRADIENT_TOL = 1e-12; // relative to C n
    private static final double STEP_TOL = 1e-12;
    private static final double REFRESH_RATIO = 0.1;
    private static final double LINE_SEARCH_MIN = 1e-9;
    private static final int COARSE_MIN_ROWS = 500;

    private final int numClasses;
    private final double[][] w; // per problem, D + 1 weights (bias last)

    private LogisticOvr(int numClasses, double[][] w) {
        this.numClasses = numClasses;
        this.w = w;
    }

    /** The columns of {@code x} (n x D), then a bias column of ones. */
    private static double[][] columnsWithBias(double[][] x) {
        int n = x.length, p = x[0].length + 1;
        double[][] out = new double[p][n];
        for (int i = 0; i < n; i++) for (int j = 0; j < p - 1; j++) out[j][i] = x[i][j];
        java.util.Arrays.fill(out[p - 1], 1);
        return out;
    }

    /** Fits on rows {@code x} (n x D) and dense labels {@code y} in 0..numClasses-1. */
    static LogisticOvr fit(double[][] x, int[] y, int numClasses, double c) {
        if (numClasses < 2) throw new IllegalArgumentException("a classifier needs at least 2 classes, got " + numClasses);
        double[][] cols = columnsWithBias(x);
        int problems = numClasses == 2 ? 1 : numClasses;
        double[][] w = new double[problems][];
        for (int k = 0; k < problems; k++) {
            int positive = numClasses == 2 ? 1 : k;
            double[] sign = new double[y.length];
            for (int i = 0; i < y.length; i++) sign[i] = y[i] == positive ? 1 : -1;
            w[k] = coarseToFine(cols, sign, c);
        }
        return new LogisticOvr(numClasses, w);
    }

    /** log(1 + exp(-m)) without overflow. */
    private static double logLoss(double m) {
        return m > 0 ? Math.log1p(Math.exp(-m)) : -m + Math.log1p(Math.exp(m));
    }

    /**
     * Newton's method from the minimiser of the same problem on every 4th row (with 4 C, so that the loss keeps
     * its weight against the penalty), recursively: the many damped steps far from the optimum are taken on
     * small subsets, and the full rows only see the few quadratically converging steps. The start point changes
     * the path, not the minimum the iterations stop at.
     */
    private static double[] coarseToFine(double[][] x, double[] y, double c) {
        int n = y.length, p = x.length;
        if (n < 4 * COARSE_MIN_ROWS) {
            double pos = 0;
            for (double v : y) if (v > 0) pos++;
            double[] w0 = new double[p];
            if (pos > 0 && pos < n) w0[p - 1] = Math.log(pos / (n - pos)); // start at the class prior
            return solve(x, y, c, w0);
        }
        int m = (n + 3) / 4;
        double[][] xs = new double[p][m];
        double[] ys = new double[m];
        for (int i = 0; i < m; i++) {
            for (int j = 0; j < p; j++) xs[j][i] = x[j][4 * i];
            ys[i] = y[4 * i];
        }
        return solve(x, y, c, coarseToFine(xs, ys, c * n / m));
    }

    /** v = sum_j a_j x_j over the columns x_j. */
    private static void combine(double[][] x, double[] a, double[] v) {
        java.util.Arrays.fill(v, 0);
        for (int j = 0; j < x.length; j++) {
            double aj = a[j];
            double[] xj = x[j];
            for (int i = 0; i < v.length; i++) v[i] += aj * xj[i];
        }
    }

    /** Newton iterations with backtracking from {@code start}, on columns {@code x} (bias last) and labels +-1. */
    private static double[] solve(double[][] x, double[] y, double c, double[] start) {
        int n = y.length, p = x.length;
        double[] w = start.clone(), z = new double[n], g = new double[p], h = new double[p * p], d = new double[p],
                xd = new double[n], a = new double[n];
        double[][] u = new double[p][n];
        combine(x, w, z);
        double ww0 = 0;
        for (double v : w) ww0 += v * v;
        double f = objective(z, y, c, ww0);
        double gScale = c * n; // the loss gradient's scale; its round-off is ~1e-16 of it
        double previous = Double.POSITIVE_INFINITY;
        boolean fresh = false, fKnown = true;
        for (int it = 0; it < MAX_NEWTON; it++) {
            // gradient w + C sum_i (s_i - 1) y_i x_i, s_i = sigmoid(y_i z_i); Hessian weights C s_i (1 - s_i)
            for (int i = 0; i < n; i++) {
                double s = 1 / (1 + Math.exp(-y[i] * z[i]));
                a[i] = c * (s - 1) * y[i];
                xd[i] = c * s * (1 - s); // xd holds the Hessian weights until the direction is known
            }
            double gn = 0;
            for (int j = 0; j < p; j++) {
                g[j] = w[j] + dot(a, x[j]);
                gn += g[j] * g[j];
            }
            gn = Math.sqrt(gn);
            if (gn <= GRADIENT_TOL * gScale) break;
            if (fresh && !fKnown && gn >= previous) break; // a full Newton step near the minimum gained nothing: the round-off floor
            // a Hessian is kept while the gradient shrinks fast with it (near the minimum it barely changes)
            fresh = it == 0 || gn > REFRESH_RATIO * previous;
            if (fresh) {
                hessian(x, xd, u, h);
                cholesky(h, p);
            }
            previous = gn;
            newtonDirection(h, g, d, p);
            double slope = 0;
            for (int j = 0; j < p; j++) slope += g[j] * d[j];
            if (!(slope < 0)) break;
            combine(x, d, xd);
            double step = 1;
            if (-slope > LINE_SEARCH_MIN * (1 + Math.abs(f))) {
                // backtracking (Armijo) while the predicted decrease is one the objective's round-off can show
                double wd = 0, dd = 0, ww = 0;
                for (int j = 0; j < p; j++) {
                    ww += w[j] * w[j];
                    wd += w[j] * d[j];
                    dd += d[j] * d[j];
                }
                if (!fKnown) f = objective(z, y, c, ww);
                double next;
                while (true) {
                    double loss = 0;
                    for (int i = 0; i < n; i++) loss += logLoss(y[i] * (z[i] + step * xd[i]));
                    next = 0.5 * (ww + 2 * step * wd + step * step * dd) + c * loss;
                    if (next <= f + 1e-4 * step * slope || step < 1e-10) break;
                    step *= 0.5;
                }
                if (!(next < f)) break; // no decrease left in double precision
                f = next;
                fKnown = true;
            } else {
                fKnown = false; // near the minimum: the full step, as Newton's method takes it there
            }
            double change = 0, size = 0;
            for (int j = 0; j < p; j++) {
                change = Math.max(change, Math.abs(step * d[j]));
                w[j] += step * d[j];
                size = Math.max(size, Math.abs(w[j]));
            }
            for (int i = 0; i < n; i++) z[i] += step * xd[i];
            if (change <= STEP_TOL * (1 + size)) break; // the step no longer changes w beyond round-off
        }
        return w;
    }

    /** |w|^2 / 2 + C sum_i log(1 + exp(-y_i z_i)), given ww = |w|^2. */
    private static double objective(double[] z, double[] y, double c, double ww) {
        double loss = 0;
        for (int i = 0; i < z.length; i++) loss += logLoss(y[i] * z[i]);
        return 0.5 * ww + c * loss;
    }

    /** Sum of a[i] b[i], four accumulators (the loop-carried dependency of one sum would stall it). */
    private static double dot(double[] a, double[] b) {
        double s0 = 0, s1 = 0, s2 = 0, s3 = 0;
        int i = 0;
        for (; i + 3 < a.length; i += 4) {
            s0 += a[i] * b[i];
            s1 += a[i + 1] * b[i + 1];
            s2 += a[i + 2] * b[i + 2];
            s3 += a[i + 3] * b[i + 3];
        }
        for (; i < a.length; i++) s0 += a[i] * b[i];
        return (s0 + s1) + (s2 + s3);
    }

    /**
     * Lower triangle of I + X^T diag(weight) X, in 2 x 2 blocks of columns: each pass over the rows loads four
     * vectors for four sums, twice the work per load of one dot product at a time.
     */
    private static void hessian(double[][] x, double[] weight, double[][] u, double[] h) {
        int p = x.length, n = weight.length;
        for (int j = 0; j < p; j++) {
            double[] xj = x[j], uj = u[j];
            for (int i = 0; i < n; i++) uj[i] = weight[i] * xj[i];
        }
        for (int j = 0; j < p; j += 2) {
            int j1 = Math.min(j + 1, p - 1);
            double[] ua = u[j], ub = u[j1];
            for (int k = 0; k <= j1; k += 2) {
                int k1 = Math.min(k + 1, p - 1);
                double[] xa = x[k], xb = x[k1];
                double s00 = 0, s01 = 0, s10 = 0, s11 = 0;
                for (int i = 0; i < n; i++) {
                    double a0 = ua[i], a1 = ub[i], b0 = xa[i], b1 = xb[i];
                    s00 += a0 * b0;
                    s01 += a0 * b1;
                    s10 += a1 * b0;
                    s11 += a1 * b1;
                }
                h[j * p + k] = s00;
                h[j * p + k1] = s01;
                h[j1 * p + k] = s10;
                h[j1 * p + k1] = s11;
            }
        }
        for (int j = 0; j < p; j++) h[j * p + j] += 1;
    }

    /** Overwrites the lower triangle of a symmetric positive definite {@code h} with its Cholesky factor L. */
    private static void cholesky(double[] h, int p) {
        for (int j = 0; j < p; j++) {
            double s = h[j * p + j];
            for (int k = 0; k < j; k++) s -= h[j * p + k] * h[j * p + k];
            double l = Math.sqrt(s);
            h[j * p + j] = l;
            for (int i = j + 1; i < p; i++) {
                double t = h[i * p + j];
                for (int k = 0; k < j; k++) t -= h[i * p + k] * h[j * p + k];
                h[i * p + j] = t / l;
            }
        }
    }

    /** d = -(L L^T)^{-1} g. */
    private static void newtonDirection(double[] l, double[] g, double[] d, int p) {
        double[] h = l;
        for (int i = 0; i < p; i++) { // L u = -g
            double t = -g[i];
            for (int k = 0; k < i; k++) t -= h[i * p + k] * d[k];
            d[i] = t / h[i * p + i];
        }
        for (int i = p - 1; i >= 0; i--) { // L^T d = u
            double t = d[i];
            for (int k = i + 1; k < p; k++) t -= h[k * p + i] * d[k];
            d[i] = t / h[i * p + i];
        }
    }

    /** Class probabilities (n x numClasses) of the rows {@code x}, as sklearn's predict_proba. */
    double[][] probabilities(double[][] x) {
        int p = w[0].length;
        double[][] out = new double[x.length][numClasses];
        for (int i = 0; i < x.length; i++) {
            double[] row = x[i];
            if (w.length == 1) {
                double s = sigmoid(dot(w[0], row, p));
                out[i][0] = 1 - s;
                out[i][1] = s;
                continue;
            }
            double sum = 0;
            for (int k = 0; k < w.length; k++) sum += out[i][k] = sigmoid(dot(w[k], row, p));
            for (int k = 0; k < w.length; k++) out[i][k] /= sum;
        }
        return out;
    }

    private static double dot(double[] w, double[] row, int p) {
        double s = w[p - 1];
        for (int j = 0; j < p - 1; j++) s += w[j] * row[j];
        return s;
    }

    private static double sigmoid(double m) {
        return 1 / (1 + Math.exp(-m));
    }

    /** Weights of problem k, bias last (tests). */
    double[] coefficients(int k) {
        return w[k].clone();
    }
}
