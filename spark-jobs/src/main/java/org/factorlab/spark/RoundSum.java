package org.factorlab.spark;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import org.factorlab.train.TrainingState;

/**
 * The running sum that treeAggregate builds from the workers' results of one round: the statistics the driver
 * reports. The workers' states do not travel with it: they go through the {@link StateExchange}, and the driver
 * {@link #attach}es their sum after the job. One worker's result is a sum over one worker. Not thread-safe; Spark gives
 * each aggregation its own copy. Results travel with Kryo; only the empty zero value is captured in treeAggregate's
 * closure, hence Serializable.
 */
final class RoundSum implements java.io.Serializable {
    private static final long serialVersionUID = 1L;
    int workers;
    long step = -1;
    /** Summed parameters and updater state, packed; set on the driver by {@link #attach}. */
    transient FlatArrays params;
    transient FlatArrays updater;
    double lossSum;
    /** Summed named loss terms ({@code total} included), in the session's order. */
    Map<String, Double> termSums = new LinkedHashMap<>();
    long steps;
    long images;
    /** Wall time of the slowest worker's training loop (its data waits included). */
    long maxTrainNanos;
    long stepNanos;
    long dataWaitNanos;
    double gradNormSum;
    long gradNormCount;
    int sessionsCreated;
    /** Summed over workers: fetching the round input, session borrow/build, state load, state collection and upload. */
    long fetchNanos;
    long sessionNanos;
    long loadNanos;
    long collectNanos;
    /** The slowest task, from entering the task function to returning its result. */
    long maxTaskNanos;
    /** Mean loss per worker, to name the worker whose loss went non-finite. */
    final TreeMap<Integer, Double> workerLoss = new TreeMap<>();

    static RoundSum empty() {
        return new RoundSum();
    }

    static RoundSum ofWorker(int worker, long step, double lossSum, Map<String, Double> termSums, long steps, long images, long trainNanos,
                             long stepNanos, long dataWaitNanos, double gradNormSum, long gradNormCount, boolean created) {
        RoundSum s = new RoundSum();
        s.workers = 1;
        s.step = step;
        s.lossSum = lossSum;
        s.termSums = new LinkedHashMap<>(termSums);
        s.steps = steps;
        s.images = images;
        s.maxTrainNanos = trainNanos;
        s.stepNanos = stepNanos;
        s.dataWaitNanos = dataWaitNanos;
        s.gradNormSum = gradNormSum;
        s.gradNormCount = gradNormCount;
        s.sessionsCreated = created ? 1 : 0;
        s.workerLoss.put(worker, steps == 0 ? Double.NaN : lossSum / steps);
        return s;
    }

    /** Adds {@code other} into this sum (in place, as treeAggregate allows) and returns this. */
    static RoundSum merge(RoundSum a, RoundSum b) {
        if (b.workers == 0) return a;
        if (a.workers == 0) return b;
        if (a.step != b.step)
            throw new IllegalStateException("workers disagree on the step count: " + a.step + " vs " + b.step);
        a.workers += b.workers;
        a.lossSum += b.lossSum;
        b.termSums.forEach((k, v) -> a.termSums.merge(k, v, Double::sum));
        a.steps += b.steps;
        a.images += b.images;
        a.maxTrainNanos = Math.max(a.maxTrainNanos, b.maxTrainNanos);
        a.stepNanos += b.stepNanos;
        a.dataWaitNanos += b.dataWaitNanos;
        a.gradNormSum += b.gradNormSum;
        a.gradNormCount += b.gradNormCount;
        a.sessionsCreated += b.sessionsCreated;
        a.fetchNanos += b.fetchNanos;
        a.sessionNanos += b.sessionNanos;
        a.loadNanos += b.loadNanos;
        a.collectNanos += b.collectNanos;
        a.maxTaskNanos = Math.max(a.maxTaskNanos, b.maxTaskNanos);
        a.workerLoss.putAll(b.workerLoss);
        return a;
    }

    /**
     * Sums the workers' uploaded states into this round's sum, in worker order (a fixed order: float addition is not
     * associative). Each upload must be at this sum's step.
     */
    void attach(StateExchange.Upload[] uploads) {
        for (int w = 0; w < uploads.length; w++)
            if (uploads[w].step() != step)
                throw new IllegalStateException("worker " + w + " uploaded its state at step " + uploads[w].step() + ", the round ended at step " + step);
        params = uploads[0].parameters();
        updater = uploads[0].updater();
        for (int w = 1; w < uploads.length; w++) {
            params.addInPlace(uploads[w].parameters(), "parameter");
            updater.addInPlace(uploads[w].updater(), "updater state");
        }
    }

    /** The averaged state ({@link #attach} first): parameters and updater state divided by the number of workers. */
    TrainingState average() {
        if (workers == 0) throw new IllegalStateException("no worker returned a result");
        if (params == null) throw new IllegalStateException("the workers' states are not attached");
        // Division by 1 is exact, so one worker's state passes through bit for bit.
        if (workers > 1) {
            params.divideInPlace(workers, "parameter");
            updater.divideInPlace(workers, "updater state");
        }
        return new TrainingState(step, params.unpack(), updater.unpack());
    }

    /**
     * After {@link #average()}: the averaged state, still packed, as the input of round {@code round}. The next
     * round publishes these bytes instead of packing the unpacked state again (the same names, order and values).
     */
    RoundInput averagedInput(int round) {
        return new RoundInput(round, step, params, updater);
    }

    double meanLoss() {
        return lossSum / steps;
    }

    /** Each named loss term's mean over all workers and steps of the round. */
    Map<String, Double> meanTerms() {
        Map<String, Double> m = new LinkedHashMap<>();
        termSums.forEach((k, v) -> m.put(k, v / steps));
        return m;
    }
}
