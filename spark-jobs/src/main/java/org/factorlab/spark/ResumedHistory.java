package org.factorlab.spark;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The loss history a resumed run continues from: rounds 1..R of the checkpoint it resumes at round R. The checkpoint's
 * own history file is the source of truth; {@code history.csv} is only a view and is read only for runs written
 * before checkpoints carried their history.
 */
final class ResumedHistory {
    private static final Logger LOG = LoggerFactory.getLogger(ResumedHistory.class);

    private ResumedHistory() {
    }

    static List<RoundStats> load(RunDirectory dir, int round) {
        var own = dir.checkpointHistory(round);
        if (own.isPresent()) {
            String where = dir.checkpointHistoryPath(round).toString();
            List<RoundStats> rows = RoundStats.parseCsv(own.get(), where);
            checkComplete(rows, round, where, true);
            return new ArrayList<>(rows);
        }
        // an older run: its history.csv, which a crash may have left short or unreadable
        List<RoundStats> rows = new ArrayList<>();
        String where = dir.path(RunDirectory.HISTORY).toString();
        if (dir.exists(RunDirectory.HISTORY)) {
            try {
                rows.addAll(RoundStats.parseCsv(dir.readText(RunDirectory.HISTORY), where).stream().filter(s -> s.round() <= round).toList());
            } catch (RuntimeException e) {
                LOG.warn("{}: unreadable ({}); the history of rounds 1..{} is lost", where, e.getMessage(), round);
                return new ArrayList<>();
            }
        }
        checkComplete(rows, round, where, false);
        return rows;
    }

    private static void checkComplete(List<RoundStats> rows, int round, String where, boolean strict) {
        boolean complete = rows.size() == round;
        for (int i = 0; complete && i < rows.size(); i++) complete = rows.get(i).round() == i + 1;
        if (complete) return;
        String msg = where + ": holds " + rows.size() + " rounds, expected rounds 1.." + round + " of the checkpoint";
        if (strict) throw new IllegalStateException(msg);
        LOG.warn("{}; continuing with the rounds it has", msg);
    }
}
