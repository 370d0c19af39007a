package org.factorlab.spark;

import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.apache.spark.SparkEnv;
import org.apache.spark.TaskContext;
import org.nd4j.linalg.factory.Nd4j;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * ND4J's native threads inside Spark tasks. ND4J starts as many OpenMP threads per op as the machine has cores, so
 * tasks that run at once in one JVM oversubscribe it: two {@code local[2]} workers on two cores ran 4 threads, and
 * their steps took 790 ms instead of 676 ms (docs/deploy.md). Each task gets the cores that are its share:
 * <ul>
 * <li>on an executor (YARN, Kubernetes, standalone), {@code spark.task.cpus}: what the cluster manager allotted;</li>
 * <li>in {@code local[N]}, the JVM's processors divided among its {@code N / spark.task.cpus} task slots.</li>
 * </ul>
 * An explicit {@code OMP_NUM_THREADS} in the environment wins. Set once per JVM (ND4J's setting is global).
 */
public final class TaskThreads {
    private static final Logger LOG = LoggerFactory.getLogger(TaskThreads.class);
    private static final Pattern LOCAL = Pattern.compile("local\\[(\\d+|\\*)(,\\d+)?]|local");
    /** The threads last set (0: none yet). */
    private static volatile int applied;

    private TaskThreads() {
    }

    /**
     * The native threads for one task. {@code master}: spark.master; {@code onDriver}: the task runs in the driver's JVM
     * (local mode); {@code taskCpus}: spark.task.cpus; {@code processors}: the JVM's available processors.
     */
    public static int forTask(String master, boolean onDriver, int taskCpus, int processors) {
        int cpus = Math.max(1, taskCpus);
        if (!onDriver || master == null) return cpus;
        Matcher m = LOCAL.matcher(master.trim());
        if (!m.matches()) return cpus;
        int slotsCores = m.group(1) == null ? 1 : m.group(1).equals("*") ? processors : Integer.parseInt(m.group(1));
        int slots = Math.max(1, slotsCores / cpus);
        return Math.max(cpus, processors / slots);
    }

    /**
     * Sets ND4J's threads for this task's share; a no-op outside a task or with OMP_NUM_THREADS set. ND4J's setting is
     * global to the JVM and the same for every task of one context, so it changes only when a new context (another
     * master) gives another share.
     */
    public static void apply(TaskContext ctx) {
        if (ctx == null || System.getenv("OMP_NUM_THREADS") != null) return;
        SparkEnv env = SparkEnv.get();
        String master = env == null ? null : env.conf().get("spark.master", null);
        boolean onDriver = env != null && "driver".equals(env.executorId());
        int threads = forTask(master, onDriver, ctx.cpus(), Runtime.getRuntime().availableProcessors());
        if (threads == applied) return;
        synchronized (TaskThreads.class) {
            if (threads == applied) return;
            Nd4j.getEnvironment().setMaxThreads(threads);
            Nd4j.getEnvironment().setMaxMasterThreads(threads);
            Nd4j.factory().blas().setMaxThreads(threads); // OpenBLAS keeps a thread count of its own
            LOG.info("ND4J native threads per task: {} (master {}, spark.task.cpus {})", threads, master, ctx.cpus());
            applied = threads;
        }
    }
}
