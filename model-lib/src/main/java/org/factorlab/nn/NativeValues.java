package org.factorlab.nn;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.DoubleBuffer;
import java.nio.FloatBuffer;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * What this package's Java kernels ({@link GroupNormKernel}, {@link FusedSilu}, {@link NearestUpsample}) share: bulk
 * reads and writes of an ND4J array's native memory, and a loop over chunks that the caller and ND4J's share of
 * helper threads run together.
 */
final class NativeValues {
    private NativeValues() {
    }

    /** c-order strides on every dimension longer than 1 (a size-1 dimension's stride is never used). */
    static boolean rowMajorContiguous(INDArray a) {
        long expected = 1;
        for (int d = a.rank() - 1; d >= 0; d--) {
            if (a.size(d) > 1 && a.stride(d) != expected) return false;
            expected *= a.size(d);
        }
        return true;
    }

    /**
     * Runs of a c-ordered contiguous float32 or float64 array's values, read and written as doubles through one buffer
     * over its memory (made once per call: absolute bulk reads and writes of disjoint runs can share it across threads).
     * The float path converts through a scratch array of its own: each thread takes {@link #perThread()}.
     */
    abstract static class Values {
        abstract void get(int from, double[] dst);

        abstract void put(int from, double[] src);

        /** An accessor over the same memory for one thread. */
        abstract Values perThread();

        static Values of(INDArray a) {
            if (!rowMajorContiguous(a))
                throw new IllegalArgumentException("Java kernels: arrays must be c-ordered and contiguous, got " + a.ordering() + " "
                        + java.util.Arrays.toString(a.shape()) + " strides " + java.util.Arrays.toString(a.stride()));
            ByteBuffer bytes = a.data().asNio().order(ByteOrder.nativeOrder());
            int offset = (int) a.offset();
            return switch (a.dataType()) {
                case FLOAT -> new Floats(bytes.asFloatBuffer(), offset);
                case DOUBLE -> new Doubles(bytes.asDoubleBuffer(), offset);
                default -> throw new IllegalArgumentException("Java kernels: expected float32 or float64 values, got " + a.dataType());
            };
        }
    }

    /** A float32 array's values, for the kernels that work in floats only. */
    static Floats floats(INDArray a) {
        if (!(Values.of(a) instanceof Floats f)) throw new IllegalArgumentException("Java kernels: expected float32 values, got " + a.dataType());
        return f;
    }

    static final class Floats extends Values {
        private final FloatBuffer f;
        private final int offset;
        private float[] scratch = new float[0];

        Floats(FloatBuffer f, int offset) {
            this.f = f;
            this.offset = offset;
        }

        private float[] scratch(int n) {
            if (scratch.length < n) scratch = new float[n];
            return scratch;
        }

        @Override
        void get(int from, double[] dst) {
            float[] s = scratch(dst.length);
            f.get(offset + from, s, 0, dst.length);
            for (int i = 0; i < dst.length; i++) dst[i] = s[i];
        }

        @Override
        void put(int from, double[] src) {
            float[] s = scratch(src.length);
            for (int i = 0; i < src.length; i++) s[i] = (float) src[i];
            f.put(offset + from, s, 0, src.length);
        }

        @Override
        Values perThread() {
            return new Floats(f, offset);
        }

        /** The float values at [from, from + n) into dst[0, n), unconverted. */
        void getFloats(int from, float[] dst, int n) {
            f.get(offset + from, dst, 0, n);
        }

        void putFloats(int from, float[] src, int n) {
            f.put(offset + from, src, 0, n);
        }
    }

    private static final class Doubles extends Values {
        private final DoubleBuffer d;
        private final int offset;

        Doubles(DoubleBuffer d, int offset) {
            this.d = d;
            this.offset = offset;
        }

        @Override
        void get(int from, double[] dst) {
            d.get(offset + from, dst, 0, dst.length);
        }

        @Override
        void put(int from, double[] src) {
            d.put(offset + from, src, 0, src.length);
        }

        @Override
        Values perThread() {
            return this;
        }
    }

    interface Range<T> {
        T run(int from, int to);
    }

    /** Sample chunks per call: set by the batch alone, so partial sums add up in one order on any thread count. */
    private static final int CHUNKS = 8;

    /**
     * Runs {@code body} over [0, n) in up to {@link #CHUNKS} contiguous chunks, results in chunk order. The caller and
     * up to (native threads - 1) helpers from the common pool claim chunks in turn: a helper that starts late finds
     * nothing left and the caller never waits for it, so two threads are never slower than one.
     */
    static double[][] parallel(int n, Range<double[]> body) {
        int chunks = Math.max(1, Math.min(n, CHUNKS));
        double[][] out = new double[chunks][];
        int helpers = Math.min(chunks, Nd4j.getEnvironment().maxMasterThreads()) - 1;
        AtomicInteger next = new AtomicInteger();
        CountDownLatch done = new CountDownLatch(chunks);
        AtomicReference<Throwable> failure = new AtomicReference<>();
        Runnable claim = () -> {
            for (int c = next.getAndIncrement(); c < chunks; c = next.getAndIncrement()) {
                try {
                    out[c] = body.run(n * c / chunks, n * (c + 1) / chunks);
                } catch (Throwable t) {
                    failure.compareAndSet(null, t);
                } finally {
                    done.countDown();
                }
            }
        };
        for (int h = 0; h < helpers; h++) ForkJoinPool.commonPool().execute(claim);
        claim.run();
        // the helper's last chunk is usually microseconds from done: spin briefly (well under a millisecond), then park
        for (int spin = 0; spin < 10_000 && done.getCount() > 0; spin++) Thread.onSpinWait();
        boolean interrupted = false;
        while (true) {
            try {
                done.await();
                break;
            } catch (InterruptedException e) {
                interrupted = true;
            }
        }
        if (interrupted) Thread.currentThread().interrupt();
        Throwable t = failure.get();
        if (t instanceof RuntimeException r) throw r;
        if (t instanceof Error e) throw e;
        if (t != null) throw new IllegalStateException("kernel failed", t);
        return out;
    }
}
