package org.factorlab.nn;

import java.util.function.UnaryOperator;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.BaseScalarOp;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.impl.scalar.Step;
import org.nd4j.linalg.api.ops.impl.transforms.gradient.LeakyReLUDerivative;
import org.nd4j.linalg.api.ops.impl.transforms.pairwise.arithmetic.MulOp;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Faster kernels that {@link CompiledGraph} runs in place of some of libnd4j's ops (M2.1, CPU). When it plans a step
 * it runs the original op and the stand-in on the step's real values and keeps the stand-in only where the outputs
 * are equal ({@code ==} per element: a zero's sign may differ).
 * <ul>
 * <li><b>Activations.</b> libnd4j's {@code thresholdedrelu_bp} (SameDiff's gradient of {@code relu}), {@code relu_bp},
 * {@code lrelu_bp} and the {@code leakyrelu} forward call a lambda per element: 2.7-3 ns per element on one thread,
 * against about 0.1 ns for its plain element-wise ops (a [64, 1000] {@code lrelu_bp}: 479 against 28 µs). The stand-ins
 * are a mask op and a multiplication: {@code relu'(x) = step(x)} ({@code x > 0}), {@code lrelu'(x) = 1 if x >= 0
 * else alpha}, and {@code lrelu(x) = x * lrelu'(x)}.</li>
 * <li><b>A {@code matmul_bp} of which one gradient is read.</b> The op always computes both {@code dX = dZ W^T} and
 * {@code dW = X^T dZ}; where the graph stops one of them (FactorVAE's TC term runs its discriminator through stopped
 * weights, so {@code dW} there is never read), one {@code matmul} computes the other.</li>
 * </ul>
 * Three stand-ins replace their op unconditionally (not {@link StandIn#checked()}): {@link BroadcastBackprop} for the
 * broadcasting {@code multiply_bp}, {@code add_bp}, {@code subtract_bp}; {@link StableSwishDerivative}, which is
 * meant to differ from libnd4j's kernel where that one overflows to NaN; and the element-wise {@code tanh} as
 * libnd4j's oneDNN-backed custom op ({@link #tanh}). 2x nearest upsampling and its backward ({@link NearestUpsample})
 * are checked stand-ins. {@link FusedGroupNorm}'s and {@link FusedSilu}'s
 * ops have no libnd4j kernel at all: they always run their own.
 */
final class StandIns {
    /**
     * A stand-in kernel and the outputs of the original op that it writes (the others are never read); {@code checked}:
     * whether the plan compares it with the original op before keeping it.
     */
    record StandIn(Runnable kernel, int[] outputs, boolean checked) {
    }

    private StandIns() {
    }

    /**
     * The stand-in for {@code df} with these bound arrays, or null. {@code read[o]}: whether output o is read by a later
     * op or requested; {@code scratchLike}: a buffer shaped like the given array that is free during this op only.
     */
    static StandIn of(DifferentialFunction df, INDArray[] args, INDArray[] outs, boolean[] read,
                      UnaryOperator<INDArray> scratchLike) {
        if (args.length == 0) return null;
        String op = df.opName();
        double[] t = df instanceof DynamicCustomOp c ? c.tArgs() : null;
        switch (op) {
            case "multiply_bp", "add_bp", "subtract_bp" -> {
                return new StandIn(BroadcastBackprop.kernel(op, args, outs, scratchLike.apply(args[args.length - 1])),
                        new int[] {0, 1}, false);
            }
            case StableSwishDerivative.OP -> {
                if (args.length != 1) return null;
                return new StandIn(StableSwishDerivative.kernel(args[0], outs[0], scratchLike.apply(args[0])), new int[] {0}, false);
            }
            case "thresholdedrelu_bp", "relu_bp" -> {
                if (args.length != 2 || outs.length != 1 || (t != null && t.length > 0 && t[0] != 0.0)) return null;
                INDArray mask = scratchLike.apply(args[0]);
                return one(sequence(new Step(args[0], mask, 0.0), new MulOp(args[1], mask, outs[0])));
            }
            case "lrelu_bp" -> {
                if (args.length != 2 || outs.length != 1 || t == null || t.length != 1) return null;
                INDArray slope = scratchLike.apply(args[0]);
                return one(sequence(new LeakyReLUDerivative(args[0], slope, t[0]), new MulOp(args[1], slope, outs[0])));
            }
            case "leakyrelu" -> {
                if (args.length != 1 || outs.length != 1 || !(df instanceof BaseScalarOp s) || s.scalar() == null) return null;
                INDArray slope = scratchLike.apply(args[0]);
                return one(sequence(new LeakyReLUDerivative(args[0], slope, s.scalar().getDouble(0)), new MulOp(args[0], slope, outs[0])));
            }
            case FusedGroupNorm.OP -> {
                return new StandIn(((FusedGroupNorm.Forward) df).kernel(args, outs), new int[] {0}, false);
            }
            case FusedGroupNorm.BACKWARD_OP -> {
                return new StandIn(((FusedGroupNorm.Backward) df).kernel(args, outs), outs.length == 3 ? new int[] {0, 1, 2} : new int[] {0, 1, 2, 3, 4},
                        false);
            }
            case FusedSilu.OP -> {
                return new StandIn(FusedSilu.Forward.kernel(args, outs), new int[] {0, 1}, false);
            }
            case FusedSilu.BACKWARD_OP -> {
                return new StandIn(FusedSilu.Backward.kernel(args, outs), new int[] {0}, false);
            }
            case "tanh" -> {
                if (args.length != 1 || outs.length != 1 || df instanceof DynamicCustomOp) return null;
                return new StandIn(tanh(args[0], outs[0]), new int[] {0}, false);
            }
            case "matmul_bp" -> {
                return matmulBackprop((DynamicCustomOp) df, args, outs, read);
            }
            case "upsampling2d" -> {
                if (args.length != 1 || outs.length != 1 || !NearestUpsample.applies(args[0], outs[0])) return null;
                return one(NearestUpsample.forward(args[0], outs[0]));
            }
            case "upsampling2d_bp" -> {
                if (args.length != 2 || outs.length != 1 || !NearestUpsample.applies(outs[0], args[1])) return null;
                return one(NearestUpsample.backward(args[1], outs[0]));
            }
            default -> {
                return null;
            }
        }
    }

    /** Inputs (x, w, dz) of rank 2, no transposes, exactly one of (dX, dW) read: {@code dz w^T} or {@code x^T dz}. */
    private static StandIn matmulBackprop(DynamicCustomOp df, INDArray[] args, INDArray[] outs, boolean[] read) {
        if (args.length != 3 || outs.length != 2 || read[0] == read[1]) return null;
        for (INDArray a : args) if (a.rank() != 2) return null;
        long[] iArgs = df.iArgs();
        if (iArgs != null) for (long v : iArgs) if (v != 0) return null;
        int o = read[0] ? 0 : 1;
        // transpose flags (a, b): dX = dz w^T, dW = x^T dz
        Runnable product = o == 0 ? customOp("matmul", new INDArray[] {args[2], args[1]}, outs[0], 0, 1)
                : customOp("matmul", new INDArray[] {args[0], args[2]}, outs[1], 1, 0);
        return new StandIn(product, new int[] {o}, true);
    }

    /**
     * {@code out = tanh(in)} through libnd4j's custom {@code tanh} op, which runs oneDNN's vectorised kernel: 0.3 ms for
     * a million floats against 3.2 ms for the element-by-element transform SameDiff's {@code tanh} uses (equal to a few
     * ulps, so not a checked stand-in).
     */
    static Runnable tanh(INDArray in, INDArray out) {
        return customOp("tanh", new INDArray[] {in}, out);
    }

    /** A libnd4j custom op bound once to its arrays and integer arguments, as a kernel (no shape inference per call). */
    static Runnable customOp(String name, INDArray[] inputs, INDArray output, long... iArgs) {
        DynamicCustomOp op = DynamicCustomOp.builder(name).build();
        OpContext ctx = Nd4j.getExecutioner().buildContext();
        ctx.setInputArrays(inputs);
        ctx.setOutputArrays(output);
        if (iArgs.length > 0) ctx.setIArguments(iArgs);
        return () -> Nd4j.exec(op, ctx);
    }

    private static StandIn one(Runnable kernel) {
        return new StandIn(kernel, new int[] {0}, true);
    }

    /** The mask (a legacy transform) then the product (a custom op). */
    private static Runnable sequence(Op mask, MulOp product) {
        return () -> {
            Nd4j.exec(mask);
            Nd4j.exec(product);
        };
    }
}
