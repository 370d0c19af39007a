package org.factorlab.sweep;

import java.io.Serializable;

/**
 * What became of a point: its state, the steps it trained, its training seconds (this attempt), the last logged loss
 * (null when none) and, for a failure, the error. Written to {@code points/<id>/point.json} by the task and kept in
 * {@code sweep.json}.
 */
public record PointOutcome(String id, State state, long steps, double trainSeconds, Double lastLoss, String error) implements Serializable {
    /** A point's state. FAILED is for good (a bad config, a NaN); INTERRUPTED (a crash, a lost executor) resumes on a rerun. */
    public enum State { PENDING, DONE, FAILED, INTERRUPTED }

    static PointOutcome pending(String id) {
        return new PointOutcome(id, State.PENDING, 0, 0, null, null);
    }

    static PointOutcome failed(String id, String error) {
        return new PointOutcome(id, State.FAILED, 0, 0, null, error);
    }
}
