package org.factorlab.spark;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.spark.SparkConf;

/**
 * Test hooks for the fault-tolerance tests, set as Spark conf entries (so they reach executors):
 * {@code spark.factorlab.fault.failTaskOnce=ROUND:WORKER} (ROUND counted from 0) makes that worker's task throw
 * once per run directory and executor JVM, halfway through its round; {@code spark.factorlab.fault.crashDriverAfterRound=K} makes the driver die after round K completes and
 * before its checkpoint is written, as a killed driver would; {@code spark.factorlab.fault.killExecutorOnce=ROUND:WORKER}
 * makes the executor JVM that runs that worker's task kill itself with SIGKILL halfway through the round, once per
 * run directory (a marker file in the run directory remembers it across JVMs).
 */
public final class FaultInjection {
    public static final String FAIL_TASK_ONCE = "spark.factorlab.fault.failTaskOnce";
    public static final String CRASH_DRIVER_AFTER_ROUND = "spark.factorlab.fault.crashDriverAfterRound";
    public static final String KILL_EXECUTOR_ONCE = "spark.factorlab.fault.killExecutorOnce";
    private static final Set<String> FAILED = ConcurrentHashMap.newKeySet();

    /** Thrown by the injected faults. */
    public static final class InjectedFault extends RuntimeException {
        public InjectedFault(String message) {
            super(message);
        }
    }

    private FaultInjection() {
    }

    /** The task hook of a job: its own sparkConf entry, else the context's; "" when unset. */
    static String failTaskOnce(java.util.Map<String, String> jobConf, SparkConf conf) {
        return jobConf.getOrDefault(FAIL_TASK_ONCE, conf.get(FAIL_TASK_ONCE, ""));
    }

    /** The executor-kill hook of a job: its own sparkConf entry, else the context's; "" when unset. */
    static String killExecutorOnce(java.util.Map<String, String> jobConf, SparkConf conf) {
        return jobConf.getOrDefault(KILL_EXECUTOR_ONCE, conf.get(KILL_EXECUTOR_ONCE, ""));
    }

    /** SIGKILL to this JVM (an executor), the first time any executor reaches ROUND:WORKER in this run directory. */
    static void maybeKillExecutor(String spec, String runDir, int round, int worker) {
        if (spec.isEmpty() || !spec.equals(round + ":" + worker)) return;
        org.apache.hadoop.fs.Path marker = new org.apache.hadoop.fs.Path(runDir, "_fault-killed-executor-" + round + "-" + worker);
        try {
            if (!marker.getFileSystem(new org.apache.hadoop.conf.Configuration()).createNewFile(marker)) return;
            long pid = ProcessHandle.current().pid();
            org.slf4j.LoggerFactory.getLogger(FaultInjection.class).warn("{}: SIGKILL to this executor JVM (pid {}) in round {}, worker {}",
                    KILL_EXECUTOR_ONCE, pid, round, worker);
            new ProcessBuilder("kill", "-KILL", Long.toString(pid)).inheritIO().start().waitFor();
            Thread.sleep(60_000); // the signal arrives asynchronously; never return into the round
        } catch (java.io.IOException e) {
            throw new java.io.UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        Runtime.getRuntime().halt(137); // kill(1) missing: die as abruptly as the JVM allows
    }

    static void maybeFailTask(String spec, String runDir, int round, int worker) {
        if (spec.isEmpty() || !spec.equals(round + ":" + worker)) return;
        if (FAILED.add(runDir + "/" + spec))
            throw new InjectedFault("injected task failure in round " + round + ", worker " + worker + " (" + FAIL_TASK_ONCE + ")");
    }

    /** The driver hook is read from the job's own sparkConf first, so tests can crash one run of a shared context. */
    static void maybeCrashDriver(java.util.Map<String, String> jobConf, SparkConf conf, int completedRounds) {
        String v = jobConf.getOrDefault(CRASH_DRIVER_AFTER_ROUND, conf.get(CRASH_DRIVER_AFTER_ROUND, "-1"));
        if (Integer.parseInt(v.trim()) == completedRounds)
            throw new InjectedFault("injected driver crash after round " + completedRounds + " (" + CRASH_DRIVER_AFTER_ROUND + ")");
    }
}
