package org.factorlab.spark;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkConf;

/**
 * Test hooks for the fault-tolerance tests, set as Spark conf entries (so they reach executors):
 * {@code spark.factorlab.fault.failTaskOnce=ROUND:WORKER} makes that worker's task throw once, halfway through its
 * round; {@code spark.factorlab.fault.crashDriverAfterRound=K} makes the driver die after round K completes and
 * before its checkpoint is written, as a killed driver would.
 */
public final class FaultInjection {
    public static final String FAIL_TASK_ONCE = "spark.factorlab.fault.failTaskOnce";
    public static final String CRASH_DRIVER_AFTER_ROUND = "spark.factorlab.fault.crashDriverAfterRound";
    private static final Set<String> FAILED = ConcurrentHashMap.newKeySet();

    /** Thrown by the injected faults. */
    public static final class InjectedFault extends RuntimeException {
        public InjectedFault(String message) {
            super(message);
        }
    }

    private FaultInjection() {
    }

    static void maybeFailTask(SparkConf conf, int round, int worker) {
        String spec = conf.get(FAIL_TASK_ONCE, "");
        if (spec.isEmpty() || !spec.equals(round + ":" + worker)) return;
        if (FAILED.add(conf.getAppId() + "/" + spec))
            throw new InjectedFault("injected task failure in round " + round + ", worker " + worker + " (" + FAIL_TASK_ONCE + ")");
    }

    static void maybeCrashDriver(SparkConf conf, int completedRounds) {
        if (conf.getInt(CRASH_DRIVER_AFTER_ROUND, -1) == completedRounds)
            throw new InjectedFault("injected driver crash after round " + completedRounds + " (" + CRASH_DRIVER_AFTER_ROUND + ")");
    }
}
