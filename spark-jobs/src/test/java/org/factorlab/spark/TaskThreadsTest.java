package org.factorlab.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** Each task's share of the cores: task.cpus on an executor, the JVM's processors over its slots in local mode. */
class TaskThreadsTest {
    @Test
    void localModeSharesTheProcessorsAmongTheTaskSlots() {
        assertEquals(1, TaskThreads.forTask("local[2]", true, 1, 2));
        assertEquals(2, TaskThreads.forTask("local[1]", true, 1, 2));
        assertEquals(2, TaskThreads.forTask("local", true, 1, 2));
        assertEquals(1, TaskThreads.forTask("local[*]", true, 1, 8));
        assertEquals(4, TaskThreads.forTask("local[2]", true, 1, 8));
        assertEquals(1, TaskThreads.forTask("local[4]", true, 1, 2), "more slots than processors: one thread each");
        assertEquals(2, TaskThreads.forTask("local[2, 3]".replace(" ", ""), true, 2, 2), "task.cpus 2: one slot");
        assertEquals(3, TaskThreads.forTask("local[4,2]", true, 1, 12));
    }

    @Test
    void onAnExecutorATaskGetsItsTaskCpus() {
        assertEquals(1, TaskThreads.forTask("spark://host:7077", false, 1, 2));
        assertEquals(4, TaskThreads.forTask("yarn", false, 4, 64));
        assertEquals(1, TaskThreads.forTask("k8s://https://api:6443", false, 0, 16), "at least one");
        assertEquals(2, TaskThreads.forTask("local-cluster[2,1,1024]", true, 2, 8), "not local[N]: task.cpus");
    }
}
