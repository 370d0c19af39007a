package org.factorlab.spark;

import java.util.List;

/**
 * Where one round's averaging time went, in seconds. "Averaging" in the progress line is the round's wall time on
 * the driver minus the slowest worker's training loop; these parts make it up:
 *
 * @param publish   the driver packs the round input (step, parameters, updater state) for the {@link StateExchange}
 * @param fetch     a worker downloads the round input from the exchange (mean over workers)
 * @param session   a worker borrows its executor's cached session (builds it in the first round; mean over workers)
 * @param load      a worker loads the state into its session (mean over workers)
 * @param collect   a worker copies its trained state out of the session and uploads it to the exchange (mean over
 *                  workers)
 * @param transfer  the rest of the round outside the slowest task: task scheduling and launch, the small task
 *                  results (statistics), and summing the uploaded states on the driver
 * @param divide    the driver divides the sum by the number of workers
 */
public record AveragingBreakdown(int round, double publish, double fetch, double session, double load, double collect,
                                 double transfer, double divide) {
    static AveragingBreakdown of(int round, RoundSum sum, long roundNanos, long publishNanos, long divideNanos) {
        double n = Math.max(1, sum.workers);
        long transfer = Math.max(0, roundNanos - publishNanos - sum.maxTaskNanos - divideNanos);
        return new AveragingBreakdown(round, publishNanos / 1e9, sum.fetchNanos / n / 1e9, sum.sessionNanos / n / 1e9,
                sum.loadNanos / n / 1e9, sum.collectNanos / n / 1e9, transfer / 1e9, divideNanos / 1e9);
    }

    /** The mean of each part over {@code rounds}. */
    public static AveragingBreakdown mean(List<AveragingBreakdown> rounds) {
        if (rounds.isEmpty()) throw new IllegalArgumentException("no rounds");
        double b = 0, f = 0, s = 0, l = 0, c = 0, t = 0, d = 0;
        for (AveragingBreakdown r : rounds) {
            b += r.publish; f += r.fetch; s += r.session; l += r.load; c += r.collect; t += r.transfer; d += r.divide;
        }
        int n = rounds.size();
        return new AveragingBreakdown(-1, b / n, f / n, s / n, l / n, c / n, t / n, d / n);
    }

    public String describe() {
        return String.format("publish %.0f ms, fetch %.0f ms, session %.0f ms, load %.0f ms, collect+upload %.0f ms, "
                        + "launch+results+sum %.0f ms, divide %.0f ms", 1e3 * publish, 1e3 * fetch, 1e3 * session,
                1e3 * load, 1e3 * collect, 1e3 * transfer, 1e3 * divide);
    }
}
