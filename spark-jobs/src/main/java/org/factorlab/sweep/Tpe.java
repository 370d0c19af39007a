package org.factorlab.sweep;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.factorlab.train.Seeds;

/**
 * A small tree-structured Parzen estimator (Bergstra et al. 2011, as hyperopt samples it), one parameter at a time: the
 * scored trials are split into the best quarter ("good") and the rest; each side is a Parzen density over the
 * parameter's unit interval (a uniform prior plus a Gaussian at each observation; loguniform ranges in log space) or,
 * for {@code choice}, smoothed counts; of 24 candidates drawn from the good density the one with the highest ratio
 * good / bad is proposed. Every draw is seeded by (sampler seed, trial, key), so the same scores give the same proposals.
 */
final class Tpe {
    static final double GAMMA = 0.25;
    static final int CANDIDATES = 24;

    private Tpe() {
    }

    /** The values of trial {@code trial} given earlier trials' settings and scores (higher is better). */
    static Map<String, String> propose(SweepSpec.Random random, List<Map<String, String>> settings, List<Double> scores, int trial) {
        if (settings.size() != scores.size()) throw new IllegalArgumentException(settings.size() + " settings, " + scores.size() + " scores");
        List<Integer> order = new ArrayList<>();
        for (int i = 0; i < scores.size(); i++) order.add(i);
        order.sort(Comparator.comparingDouble((Integer i) -> -scores.get(i)).thenComparingInt(i -> i));
        int nGood = Math.max(1, (int) Math.ceil(GAMMA * order.size()));
        var out = new LinkedHashMap<String, String>();
        for (var e : random.params().entrySet()) {
            String key = e.getKey();
            SweepSpec.Param p = e.getValue();
            SplittableRandom rng = new SplittableRandom(Seeds.mix(Seeds.step(random.seed(), trial) ^ Seeds.mix(key.hashCode() + 0x5851F42DL)));
            List<String> good = new ArrayList<>(), bad = new ArrayList<>();
            for (int r = 0; r < order.size(); r++) (r < nGood ? good : bad).add(settings.get(order.get(r)).get(key));
            out.put(key, p.distribution() == SweepSpec.Distribution.CHOICE ? choice(p.values(), good, bad, rng) : range(p, good, bad, rng));
        }
        return out;
    }

    private static String choice(List<String> values, List<String> good, List<String> bad, SplittableRandom rng) {
        double[] l = new double[values.size()], g = new double[values.size()];
        for (int i = 0; i < values.size(); i++) {
            l[i] = 1 + count(good, values.get(i));
            g[i] = 1 + count(bad, values.get(i));
        }
        double lt = java.util.Arrays.stream(l).sum(), gt = java.util.Arrays.stream(g).sum();
        int best = -1;
        double bestRatio = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < CANDIDATES; c++) {
            double u = rng.nextDouble() * lt;
            int i = 0;
            while (i < l.length - 1 && u >= l[i]) u -= l[i++];
            double ratio = (l[i] / lt) / (g[i] / gt);
            if (ratio > bestRatio) {
                bestRatio = ratio;
                best = i;
            }
        }
        return values.get(best);
    }

    private static long count(List<String> xs, String v) {
        return xs.stream().filter(v::equals).count();
    }

    private static String range(SweepSpec.Param p, List<String> good, List<String> bad, SplittableRandom rng) {
        boolean log = p.distribution() == SweepSpec.Distribution.LOGUNIFORM;
        double lo = Double.parseDouble(p.values().get(0)), hi = Double.parseDouble(p.values().get(1));
        double a = log ? Math.log(lo) : lo, b = log ? Math.log(hi) : hi;
        double[] gu = unit(good, a, b, log), bu = unit(bad, a, b, log);
        double gs = bandwidth(gu.length), bs = bandwidth(bu.length);
        double best = rng.nextDouble(), bestRatio = Double.NEGATIVE_INFINITY;
        for (int c = 0; c < CANDIDATES; c++) {
            int k = rng.nextInt(gu.length + 1); // the prior is one component among the observations
            double x = k == gu.length ? rng.nextDouble() : Math.min(1, Math.max(0, gu[k] + gs * rng.nextGaussian()));
            double ratio = density(x, gu, gs) / density(x, bu, bs);
            if (ratio > bestRatio) {
                bestRatio = ratio;
                best = x;
            }
        }
        double v = a + best * (b - a);
        return Double.toString(log ? Math.exp(v) : v);
    }

    private static double[] unit(List<String> xs, double a, double b, boolean log) {
        double[] out = new double[xs.size()];
        for (int i = 0; i < out.length; i++) {
            double v = Double.parseDouble(xs.get(i));
            out[i] = ((log ? Math.log(v) : v) - a) / (b - a);
        }
        return out;
    }

    private static double bandwidth(int n) {
        return Math.max(0.05, Math.min(1, 1.06 * 0.3 * Math.pow(n + 1, -0.2)));
    }

    /** The mixture density on [0, 1]: the uniform prior and a Gaussian per observation, equally weighted. */
    private static double density(double x, double[] obs, double sigma) {
        double s = 1;
        for (double o : obs) s += Math.exp(-0.5 * (x - o) * (x - o) / (sigma * sigma)) / (sigma * Math.sqrt(2 * Math.PI));
        return s / (obs.length + 1);
    }
}
