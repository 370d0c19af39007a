package org.factorlab.render;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutionException;

/** Runs tasks 0..n-1 on a fixed number of threads, pulling the next task as each finishes; rethrows the first failure. */
final class Parallel {
    interface Task {
        void run(int i) throws IOException;
    }

    private Parallel() {
    }

    static void forEach(int n, int threads, Task task) throws IOException {
        int t = Math.max(1, Math.min(threads, n));
        ExecutorService pool = Executors.newFixedThreadPool(t, r -> {
            Thread th = new Thread(r, "render");
            th.setDaemon(true);
            return th;
        });
        AtomicInteger next = new AtomicInteger();
        try {
            List<Future<?>> fs = new ArrayList<>();
            for (int w = 0; w < t; w++)
                fs.add(pool.submit(() -> {
                    for (int i; (i = next.getAndIncrement()) < n; ) {
                        if (Thread.currentThread().isInterrupted()) throw new InterruptedIOException("render interrupted");
                        task.run(i);
                    }
                    return null;
                }));
            for (Future<?> f : fs) f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("render interrupted");
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof RuntimeException re) throw re;
            if (c instanceof Error er) throw er;
            throw new IOException(c);
        } finally {
            pool.shutdownNow();
        }
    }
}
