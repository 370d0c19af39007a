package org.factorlab.nn;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarAdd;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarMultiplication;
import org.nd4j.linalg.api.ops.impl.scalar.ScalarReverseSubtraction;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.AddOp;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.factory.Nd4j;

/**
 * SiLU, {@code y = x sigmoid(x)}, as an op that keeps {@code s = sigmoid(x)} for its backward op: {@code dx = dy (s +
 * y (1 - s))} (since {@code x s = y}) costs four plain element-wise products and sums, where libnd4j's {@code swish}
 * backward computes the sigmoid again (an exponential per element, most of SiLU's cost). The backward reads s and y,
 * not x: y is kept for the next layer's backward anyway, and s takes x's place, so the step keeps no more memory.
 * s is in [0, 1] and y finite, so the gradient is finite wherever x is (libnd4j's {@code _swishderivative} overflows
 * to NaN in float32 above x = 44, see {@link StableSwishDerivative}).
 *
 * <p>Only {@link CompiledGraph} executes these ops (libnd4j has none of these names); graphs built inside
 * {@link Layers#writtenOut()} use SameDiff's {@code swish} instead.
 */
final class FusedSilu {
    static final String OP = "factorlab_silu";
    static final String BACKWARD_OP = "factorlab_silu_bp";
    /**
     * From this many values per sample on, the sigmoid runs as {@code (1 + tanh(x / 2)) / 2} through oneDNN's
     * vectorised tanh (1.2 against 2.1 ms for a million floats, as accurate: 7e-8 against 9e-8 at most); below it, the
     * extra ops' fixed costs outweigh that. Per sample, not per array: a row's values must not depend on the batch it
     * is in (encoding a dataset twice, with other batch sizes, must give the same bytes).
     */
    static final long VECTORISED_SIGMOID = 2_048;

    static {
        FusedOps.register(OP, new Forward());
        FusedOps.register(BACKWARD_OP, new Backward());
    }

    private FusedSilu() {
    }

    static SDVariable apply(SDVariable x) {
        return new Forward(x.getSameDiff(), x).outputVariables()[0];
    }

    /** Input x; outputs {y, s}. */
    public static final class Forward extends FusedOps.Op {
        Forward(SameDiff sd, SDVariable x) {
            super(sd, new SDVariable[] {x});
        }

        /** For SameDiff's reflective copies. */
        public Forward() {
        }

        @Override
        public String opName() {
            return OP;
        }

        @Override
        int[] outputsLike(int inputs) {
            return new int[] {0, 0};
        }

        @Override
        public List<SDVariable> doDiff(List<SDVariable> grads) {
            SDVariable[] out = outputVariables();
            return List.of(new Backward(sameDiff, out[1], out[0], grads.get(0)).outputVariable());
        }

        static Runnable kernel(INDArray[] args, INDArray[] outs) {
            INDArray x = args[0], y = outs[0], s = outs[1];
            SimdKernels simd = SimdKernels.get();
            if (simd != null && simdable(x, y, s))
                return elementwise(new INDArray[] {x}, new INDArray[] {y, s}, (a, n) -> simd.siluForward(a[0], a[1], a[2], n));
            MulOp product = new MulOp(x, s, y);
            if (x.rank() < 2 || x.length() / x.size(0) < VECTORISED_SIGMOID) {
                Sigmoid sigmoid = new Sigmoid(x, s);
                return () -> {
                    Nd4j.exec(sigmoid);
                    Nd4j.exec(product);
                };
            }
            // sigmoid(x) = (1 + tanh(x / 2)) / 2, y as scratch for x / 2
            ScalarMultiplication half = new ScalarMultiplication(x, null, y, 0.5), halve = new ScalarMultiplication(s, null, s, 0.5);
            ScalarAdd plusHalf = new ScalarAdd(s, null, s, 0.5);
            Runnable tanh = StandIns.tanh(y, s);
            return () -> {
                Nd4j.exec(half);
                tanh.run();
                Nd4j.exec(halve);
                Nd4j.exec(plusHalf);
                Nd4j.exec(product);
            };
        }
    }

    /** Inputs {s, y, dy}; output dx. */
    public static final class Backward extends FusedOps.Op {
        Backward(SameDiff sd, SDVariable s, SDVariable y, SDVariable dy) {
            super(sd, new SDVariable[] {s, y, dy});
        }

        /** For SameDiff's reflective copies. */
        public Backward() {
        }

        @Override
        public String opName() {
            return BACKWARD_OP;
        }

        @Override
        int[] outputsLike(int inputs) {
            return new int[] {2};
        }

        /** dx = dy (s + y (1 - s)), built in dx's own buffer. */
        static Runnable kernel(INDArray[] args, INDArray[] outs) {
            INDArray s = args[0], y = args[1], dy = args[2], dx = outs[0];
            SimdKernels simd = SimdKernels.get();
            if (simd != null && simdable(s, y, dy, dx))
                return elementwise(new INDArray[] {s, y, dy}, new INDArray[] {dx}, (a, n) -> simd.siluBackward(a[0], a[1], a[2], a[3], n));
            ScalarReverseSubtraction oneMinusS = new ScalarReverseSubtraction(s, dx, 1.0);
            MulOp timesY = new MulOp(dx, y, dx), timesDy = new MulOp(dx, dy, dx);
            AddOp plusS = new AddOp(dx, s, dx);
            return () -> {
                Nd4j.exec(oneMinusS);
                Nd4j.exec(timesY);
                Nd4j.exec(plusS);
                Nd4j.exec(timesDy);
            };
        }
    }

    /** float32 c-ordered contiguous arrays of one length: what the SIMD kernels take. */
    private static boolean simdable(INDArray... arrays) {
        for (INDArray a : arrays)
            if (a.dataType() != DataType.FLOAT || a.length() != arrays[0].length() || a.length() > Integer.MAX_VALUE
                    || !NativeValues.rowMajorContiguous(a)) return false;
        return true;
    }

    /** Values per block copied to the heap for the SIMD kernels (4 arrays of them stay in a core's L2 cache). */
    private static final int BLOCK = 4_096;
    /** Per thread: room for the blocks of up to four arrays. */
    private static final ThreadLocal<float[][]> BLOCKS = ThreadLocal.withInitial(() -> new float[4][BLOCK]);

    private interface BlockKernel {
        /** Reads the inputs' blocks from {@code a[0..]} and writes the outputs' into the arrays after them. */
        void run(float[][] a, int n);
    }

    /** An element-wise kernel over blocks of {@code ins} and {@code outs}, spread over the native threads. */
    private static Runnable elementwise(INDArray[] ins, INDArray[] outs, BlockKernel kernel) {
        NativeValues.Floats[] in = new NativeValues.Floats[ins.length], out = new NativeValues.Floats[outs.length];
        for (int i = 0; i < ins.length; i++) in[i] = NativeValues.floats(ins[i]);
        for (int o = 0; o < outs.length; o++) out[o] = NativeValues.floats(outs[o]);
        int n = (int) ins[0].length(), blocks = (n + BLOCK - 1) / BLOCK;
        return () -> NativeValues.parallel(blocks, (from, to) -> {
            float[][] a = BLOCKS.get();
            for (int b = from; b < to; b++) {
                int off = b * BLOCK, len = Math.min(BLOCK, n - off);
                for (int i = 0; i < in.length; i++) in[i].getFloats(off, a[i], len);
                kernel.run(a, len);
                for (int o = 0; o < out.length; o++) out[o].putFloats(off, a[in.length + o], len);
            }
            return null;
        });
    }
}
