package org.factorlab.nn;

import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.impl.transforms.strict.Sigmoid;
import org.nd4j.linalg.factory.Nd4j;

/**
 * d swish(x) / dx = s + x s (1 - s) with s = sigmoid(x), for {@link CompiledGraph}'s {@code _swishderivative} op.
 * libnd4j's own kernel (M2.1) returns NaN in float32 for x above about 44 (an exp(x) squared overflows; found when a
 * training run stopped on a NaN gradient), while this form stays finite for every finite x.
 */
final class StableSwishDerivative {
    static final String OP = "_swishderivative";

    private StableSwishDerivative() {
    }

    /** Writes the derivative at {@code x} into {@code out}, using {@code scratch} (both shaped like x). */
    static Runnable kernel(INDArray x, INDArray out, INDArray scratch) {
        return () -> {
            Nd4j.exec(new Sigmoid(x, out));
            scratch.assign(out).rsubi(1).muli(x).muli(out);
            out.addi(scratch);
        };
    }
}
