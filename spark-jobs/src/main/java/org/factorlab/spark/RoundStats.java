package org.factorlab.spark;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One line of a run's loss history: the state after {@code round} completed rounds ({@code step} optimizer steps).
 *
 * @param loss            mean training loss over all workers and minibatches of the round (before each update)
 * @param imagesPerSecond images trained per second of round wall time, all workers together
 * @param roundSeconds    wall time of the round on the driver
 * @param stepSeconds     mean time of one optimizer step on a worker
 * @param averagingSeconds round time not spent in the slowest worker's training loop: state transfers, scheduling,
 *                        result transfer, treeAggregate and division
 * @param dataWaitSeconds mean time per worker spent waiting for minibatches
 * @param gradientNorm    mean over workers and steps of the gradient's L2 norm (NaN if the model does not report it)
 * @param parameterNorm   L2 norm of the averaged parameters
 * @param updateNorm      L2 norm of the change of the averaged parameters in this round
 * @param terms           the family's named loss terms other than the total, each a mean like {@code loss}; written
 *                        as further CSV columns named by the terms
 */
public record RoundStats(int round, long step, double loss, double imagesPerSecond, double roundSeconds,
                         double stepSeconds, double averagingSeconds, double dataWaitSeconds, double gradientNorm,
                         double parameterNorm, double updateNorm, Map<String, Double> terms) {
    public RoundStats {
        terms = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(terms));
    }

    public static final String CSV_HEADER = "round,step,loss,images_per_s,round_s,step_s,averaging_s,data_wait_s,"
            + "gradient_norm,parameter_norm,update_norm";

    public String toCsv() {
        // Double.toString round-trips exactly, so a resumed run's history is bit-identical.
        StringBuilder sb = new StringBuilder().append(round + "," + step + "," + loss + "," + imagesPerSecond + "," + roundSeconds + ","
                + stepSeconds + "," + averagingSeconds + "," + dataWaitSeconds + "," + gradientNorm + "," + parameterNorm + "," + updateNorm);
        for (double v : terms.values()) sb.append(',').append(v);
        return sb.toString();
    }

    public static String toCsv(List<RoundStats> rows) {
        var sb = new StringBuilder(CSV_HEADER);
        if (!rows.isEmpty()) for (String t : rows.get(0).terms().keySet()) sb.append(',').append(t);
        sb.append('\n');
        for (RoundStats r : rows) sb.append(r.toCsv()).append('\n');
        return sb.toString();
    }

    public static List<RoundStats> parseCsv(String text, String nameForErrors) {
        var out = new ArrayList<RoundStats>();
        String[] lines = text.split("\r?\n");
        if (lines.length == 0 || !(lines[0].equals(CSV_HEADER) || lines[0].startsWith(CSV_HEADER + ",")))
            throw new IllegalArgumentException(nameForErrors + ": header does not start with '" + CSV_HEADER + "'");
        List<String> termNames = lines[0].length() == CSV_HEADER.length() ? List.of()
                : List.of(lines[0].substring(CSV_HEADER.length() + 1).split(","));
        int fields = 11 + termNames.size();
        for (int i = 1; i < lines.length; i++) {
            if (lines[i].isBlank()) continue;
            String[] f = lines[i].split(",");
            if (f.length != fields)
                throw new IllegalArgumentException(nameForErrors + " line " + (i + 1) + ": expected " + fields + " fields, got " + f.length);
            try {
                Map<String, Double> terms = new LinkedHashMap<>();
                for (int t = 0; t < termNames.size(); t++) terms.put(termNames.get(t), d(f[11 + t]));
                out.add(new RoundStats(Integer.parseInt(f[0]), Long.parseLong(f[1]), d(f[2]), d(f[3]), d(f[4]), d(f[5]),
                        d(f[6]), d(f[7]), d(f[8]), d(f[9]), d(f[10]), terms));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(nameForErrors + " line " + (i + 1) + ": " + e.getMessage(), e);
            }
        }
        return out;
    }

    private static double d(String s) {
        return Double.parseDouble(s);
    }
}
