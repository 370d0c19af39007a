package org.factorlab.metrics;

/**
 * sklearn's {@code LinearSVC} (squared hinge loss, L2 penalty, the intercept as a bias feature of 1 that is
 * regularised like a weight, liblinear's one-vs-rest) on a single feature, solved exactly instead of by
 * liblinear's dual coordinate descent. Per binary problem (positives with weight {@code cPos}, negatives with
 * {@code cNeg}):
 *
 * <pre>  min over (w, b)  (w^2 + b^2) / 2 + sum_i c_i max(0, 1 - y_i (w x_i + b))^2</pre>
 *
 * <p>With one feature the loss only involves the points on the wrong side of their margin, and for any (w, b)
 * those are a prefix or a suffix of the points sorted by x (per class). Sorting once and keeping prefix sums of
 * 1, x and x^2 per class gives the objective, its gradient and its (generalised) Hessian in O(log n) for any
 * (w, b), so a damped Newton method on the two parameters (finite for this piecewise quadratic) reaches the
 * minimiser after one sort: O(n log n) per fit for all classes instead of many passes over the rows per class.
 *
 * <p>Class handling as liblinear's {@code train}: two classes give one problem (each class with its own weighted C;
 * class 1 where its decision value is > 0, as sklearn predicts); more classes give one problem per class
 * c (class c with its weighted C against all others with the plain C; predict the first class of largest
 * decision value). {@code balanced} is sklearn's {@code class_weight="balanced"}: {@code n / (classes * n_c)}.
 */
final class OneFeatureSvm {
    private static final int MAX_NEWTON = 200;

    private final double mean;
    private final double[] w, b; // per problem, in coordinates centred at the train mean

    private OneFeatureSvm(double mean, double[] w, double[] b) {
        this.mean = mean;
        this.w = w;
        this.b = b;
    }

    /** Points of one group sorted by (centred) x, with prefix sums of x and x^2 (index i: the first i points). */
    private static final class Sorted {
        final double[] v, p1, p2;

        Sorted(double[] v) {
            this.v = v;
            p1 = new double[v.length + 1];
            p2 = new double[v.length + 1];
            for (int i = 0; i < v.length; i++) {
                p1[i + 1] = p1[i] + v[i];
                p2[i + 1] = p2[i] + v[i] * v[i];
            }
        }

        int n() {
            return v.length;
        }

        /** Number of points with v < t. */
        int below(double t) {
            int lo = 0, hi = v.length;
            while (lo < hi) {
                int m = (lo + hi) >>> 1;
                if (v[m] < t) lo = m + 1;
                else hi = m;
            }
            return lo;
        }

        /** Number of points with v <= t. */
        int atMost(double t) {
            int lo = 0, hi = v.length;
            while (lo < hi) {
                int m = (lo + hi) >>> 1;
                if (v[m] <= t) lo = m + 1;
                else hi = m;
            }
            return lo;
        }
    }

    /** Count, sum of x and sum of x^2 of the points a group has on the wrong side of its margin. */
    private record Active(int lo, int hi, double s0, double s1, double s2) {
    }

    /**
     * The points of {@code g} (label y = +1 or -1) with y (w x + b) < 1: a prefix or a suffix of the sorted
     * points; {@code minus} (may be null) is a subset of {@code g} to leave out (the positives of a one-vs-rest
     * problem, taken from all points).
     */
    private static Active active(Sorted g, Sorted minus, int y, double w, double b) {
        int lo, hi; // index range [lo, hi) in g; the same threshold in minus
        int mlo = 0, mhi = 0;
        if (w == 0) {
            boolean all = y * b < 1;
            lo = 0;
            hi = all ? g.n() : 0;
            if (minus != null) mhi = all ? minus.n() : 0;
        } else {
            double t = (y - b) / w; // y (w x + b) < 1  <=>  x < t (y w > 0) or x > t (y w < 0)
            if (y * w > 0) {
                lo = 0;
                hi = g.below(t);
                if (minus != null) mhi = minus.below(t);
            } else {
                lo = g.atMost(t);
                hi = g.n();
                if (minus != null) {
                    mlo = minus.atMost(t);
                    mhi = minus.n();
                }
            }
        }
        double s0 = hi - lo, s1 = g.p1[hi] - g.p1[lo], s2 = g.p2[hi] - g.p2[lo];
        if (minus != null) {
            s0 -= mhi - mlo;
            s1 -= minus.p1[mhi] - minus.p1[mlo];
            s2 -= minus.p2[mhi] - minus.p2[mlo];
        }
        return new Active(lo, hi, s0, s1, s2);
    }

    /** Objective, gradient and Hessian of one binary problem at (w, b), in centred coordinates. */
    private static final class Eval {
        final double f, gw, gb, hww, hwb, hbb;
        final Active pos, neg;

        Eval(Sorted p, Sorted pMinus, double cPos, Sorted q, Sorted qMinus, double cNeg, double mean, double w, double b) {
            pos = active(p, pMinus, 1, w, b);
            neg = active(q, qMinus, -1, w, b);
            // regulariser (w^2 + b0^2) / 2 with b0 = b - w * mean the intercept in the original coordinates
            double b0 = b - w * mean;
            double f = 0.5 * (w * w + b0 * b0), gw = w - mean * b0, gb = b0;
            double hww = 1 + mean * mean, hwb = -mean, hbb = 1;
            for (int side = 0; side < 2; side++) {
                Active a = side == 0 ? pos : neg;
                double c = side == 0 ? cPos : cNeg, y = side == 0 ? 1 : -1, r = y - b;
                // sum over active points of c (y - b - w x)^2 and its derivatives
                f += c * (a.s0 * r * r - 2 * w * r * a.s1 + w * w * a.s2);
                gw += -2 * c * (r * a.s1 - w * a.s2);
                gb += -2 * c * (r * a.s0 - w * a.s1);
                hww += 2 * c * a.s2;
                hwb += 2 * c * a.s1;
                hbb += 2 * c * a.s0;
            }
            this.f = f;
            this.gw = gw;
            this.gb = gb;
            this.hww = hww;
            this.hwb = hwb;
            this.hbb = hbb;
        }

        boolean samePieceAs(Eval o) {
            return pos.lo == o.pos.lo && pos.hi == o.pos.hi && neg.lo == o.neg.lo && neg.hi == o.neg.hi
                    && pos.s0 == o.pos.s0 && neg.s0 == o.neg.s0;
        }
    }

    /** Minimises one binary problem by Newton's method with backtracking; returns {w, b} (centred). */
    private static double[] solve(Sorted p, Sorted pMinus, double cPos, Sorted q, Sorted qMinus, double cNeg, double mean) {
        double w = 0, b = 0;
        Eval e = new Eval(p, pMinus, cPos, q, qMinus, cNeg, mean, w, b);
        for (int it = 0; it < MAX_NEWTON; it++) {
            double det = e.hww * e.hbb - e.hwb * e.hwb;
            double dw = -(e.hbb * e.gw - e.hwb * e.gb) / det, db = -(e.hww * e.gb - e.hwb * e.gw) / det;
            double slope = e.gw * dw + e.gb * db;
            if (!(slope < 0)) break; // zero gradient (to round-off): the minimum
            double step = 1;
            Eval next = new Eval(p, pMinus, cPos, q, qMinus, cNeg, mean, w + dw, b + db);
            while (next.f > e.f + 1e-4 * step * slope && step > 1e-10) {
                step *= 0.5;
                next = new Eval(p, pMinus, cPos, q, qMinus, cNeg, mean, w + step * dw, b + step * db);
            }
            if (next.f > e.f) break; // no decrease left in double precision
            w += step * dw;
            b += step * db;
            boolean exact = step == 1 && next.samePieceAs(e); // the full step minimised the quadratic of this piece
            e = next;
            if (exact) break;
        }
        return new double[]{w, b};
    }

    /** Fits on {@code x} (one feature) and dense labels {@code y} in 0..numClasses-1, every class present. */
    static OneFeatureSvm fit(double[] x, int[] y, int numClasses, double c, boolean balanced) {
        if (numClasses < 2) throw new IllegalArgumentException("an SVM needs at least 2 classes, got " + numClasses);
        int n = x.length;
        double mean = 0;
        for (double v : x) mean += v;
        mean /= n;
        int[] order = Ranks.argsort(x);
        int[] count = new int[numClasses];
        for (int v : y) count[v]++;
        double[][] byClass = new double[numClasses][];
        for (int k = 0; k < numClasses; k++) byClass[k] = new double[count[k]];
        double[] all = new double[n];
        int[] fill = new int[numClasses];
        for (int i = 0; i < n; i++) {
            int r = order[i];
            double v = x[r] - mean;
            all[i] = v;
            byClass[y[r]][fill[y[r]]++] = v;
        }
        Sorted[] cls = new Sorted[numClasses];
        for (int k = 0; k < numClasses; k++) {
            if (count[k] == 0) throw new IllegalArgumentException("class " + k + " has no train rows");
            cls[k] = new Sorted(byClass[k]);
        }
        double[] weighted = new double[numClasses];
        for (int k = 0; k < numClasses; k++) weighted[k] = balanced ? c * n / ((double) numClasses * count[k]) : c;
        if (numClasses == 2) {
            double[] s = solve(cls[0], null, weighted[0], cls[1], null, weighted[1], mean);
            return new OneFeatureSvm(mean, new double[]{s[0]}, new double[]{s[1]});
        }
        Sorted everyone = new Sorted(all);
        double[] w = new double[numClasses], b = new double[numClasses];
        for (int k = 0; k < numClasses; k++) {
            double[] s = solve(cls[k], null, weighted[k], everyone, cls[k], c, mean);
            w[k] = s[0];
            b[k] = s[1];
        }
        return new OneFeatureSvm(mean, w, b);
    }

    /** The predicted dense label of a point. */
    int predict(double x) {
        double v = x - mean;
        if (w.length == 1) return w[0] * v + b[0] >= 0 ? 0 : 1; // sklearn: class 1 only where its decision value is > 0
        int best = 0;
        double top = w[0] * v + b[0];
        for (int k = 1; k < w.length; k++) {
            double d = w[k] * v + b[k];
            if (d > top) { top = d; best = k; }
        }
        return best;
    }

    /** Weight and intercept of problem k in the original coordinates (tests). */
    double[] coefficients(int k) {
        return new double[]{w[k], b[k] - w[k] * mean};
    }
}
