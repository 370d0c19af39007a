package org.factorlab.spark;

import java.util.List;

/**
 * Where one round's averaging time went, in seconds. "Averaging" in the progress line is the round's wall time on
 * the driver minus the slowest worker's training loop; these parts make it up:
 *
 * @param broadcast the driver serialises the round input (step, parameters, updater state) into broadcast blocks
 * @param fetch     a worker fetches the broadcast blocks and deserialises the state (mean over workers)
 * @param session   a worker borrows its executor's cached session (builds it in the first round; mean over workers)
 * @param load      a worker loads the state into its session (mean over workers)
 * @param collect   a worker copies its trained state out of the session into its result (mean over workers)
 * @param transfer  the rest of the round outside the slowest task: task scheduling and launch, result
 *                  serialisation, transfer and deserialisation on the driver, and summing the results
 * @param divide    the driver divides the sum by the number of workers
 */
public record AveragingBreakdown(int round, double broadcast, double fetch, double session, double load, double collect,
                                 double transfer, double divide) {
    static AveragingBreakdown of(int round, RoundSum sum, long roundNanos, long broadcastNanos, long divideNanos) {
        double n = Math.max(1, sum.workers);
        long transfer = Math.max(0, roundNanos - broadcastNanos - sum.maxTaskNanos - divideNanos);
        return new AveragingBreakdown(round, broadcastNanos / 1e9, sum.fetchNanos / n / 1e9, sum.sessionNanos / n / 1e9,
                sum.loadNanos / n / 1e9, sum.collectNanos / n / 1e9, transfer / 1e9, divideNanos / 1e9);
    }

    /** The mean of each part over {@code rounds}. */
    public static AveragingBreakdown mean(List<AveragingBreakdown> rounds) {
        if (rounds.isEmpty()) throw new IllegalArgumentException("no rounds");
        double b = 0, f = 0, s = 0, l = 0, c = 0, t = 0, d = 0;
        for (AveragingBreakdown r : rounds) {
            b += r.broadcast; f += r.fetch; s += r.session; l += r.load; c += r.collect; t += r.transfer; d += r.divide;
        }
        int n = rounds.size();
        return new AveragingBreakdown(-1, b / n, f / n, s / n, l / n, c / n, t / n, d / n);
    }

    public String describe() {
        return String.format("broadcast %.0f ms, fetch+deserialise %.0f ms, session %.0f ms, load %.0f ms, collect %.0f ms, "
                        + "launch+results+merge %.0f ms, divide %.0f ms", 1e3 * broadcast, 1e3 * fetch, 1e3 * session,
                1e3 * load, 1e3 * collect, 1e3 * transfer, 1e3 * divide);
    }
}
