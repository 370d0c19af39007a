package org.factorlab.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Runs decode tasks on a thread pool but hands their examples to the sink on the calling thread in task order,
 * so output is deterministic however many threads decode. At most {@code 2 * threads} tasks are in flight,
 * which bounds memory.
 */
final class OrderedPipeline {
    /** Produces the next task; I/O that must stay sequential (one file handle) belongs here, not in the task. */
    interface TaskSource {
        boolean hasNext();

        Callable<List<Example>> next() throws IOException;
    }

    private OrderedPipeline() {
    }

    static void run(int threads, String name, TaskSource tasks, RawReader.ExampleSink sink) throws IOException {
        if (threads <= 1) {
            while (tasks.hasNext()) for (Example e : call(tasks.next())) sink.accept(e);
            return;
        }
        AtomicInteger n = new AtomicInteger();
        ExecutorService pool = Executors.newFixedThreadPool(threads, r -> {
            Thread t = new Thread(r, name + "-decode-" + n.incrementAndGet());
            t.setDaemon(true);
            return t;
        });
        var inFlight = new ArrayDeque<Future<List<Example>>>();
        try {
            while (true) {
                while (inFlight.size() < 2 * threads && tasks.hasNext()) inFlight.add(pool.submit(tasks.next()));
                if (inFlight.isEmpty()) break;
                for (Example e : await(inFlight.poll())) sink.accept(e);
            }
        } finally {
            inFlight.forEach(f -> f.cancel(true));
            pool.shutdownNow();
        }
    }

    private static List<Example> call(Callable<List<Example>> task) throws IOException {
        try {
            return task.call();
        } catch (IOException | RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IOException(e);
        }
    }

    private static List<Example> await(Future<List<Example>> f) throws IOException {
        try {
            return f.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException("interrupted", e);
        } catch (ExecutionException e) {
            Throwable c = e.getCause();
            if (c instanceof IOException io) throw io;
            if (c instanceof UncheckedIOException u) throw u.getCause();
            if (c instanceof RuntimeException r) throw r;
            if (c instanceof Error err) throw err;
            throw new IOException(c);
        }
    }
}
