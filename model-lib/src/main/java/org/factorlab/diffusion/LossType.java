package org.factorlab.diffusion;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * The "simple" diffusion loss between model output and target: LDM's {@code get_loss} averaged over all but the
 * batch dimension. The EncDiff/DisDiff code uses L1, the papers write MSE (l2).
 */
public enum LossType {
    L1("l1"), MSE("l2");

    private final String id;

    LossType(String id) {
        this.id = id;
    }

    /** The name LDM's configs use ({@code l1}, {@code l2}); {@code mse} is accepted too. */
    @JsonValue
    public String id() {
        return id;
    }

    @JsonCreator
    public static LossType of(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        if (n.equals("mse")) return MSE;
        for (LossType l : values()) if (l.id.equals(n)) return l;
        throw new IllegalArgumentException("unknown loss '" + name + "'; expected one of "
                + Arrays.stream(values()).map(LossType::id).toList() + " or mse");
    }

    /** Elementwise loss, same shape as the inputs. */
    public INDArray elementwise(INDArray prediction, INDArray target) {
        if (!Arrays.equals(prediction.shape(), target.shape()))
            throw new IllegalArgumentException("prediction " + Arrays.toString(prediction.shape()) + " and target "
                    + Arrays.toString(target.shape()) + " differ in shape");
        INDArray d = prediction.sub(target);
        return this == L1 ? Transforms.abs(d, false) : d.muli(d);
    }

    /** Mean over every dimension but the first: one loss per sample, shape {@code [B]}. */
    public INDArray perSample(INDArray prediction, INDArray target) {
        INDArray e = elementwise(prediction, target);
        if (e.rank() == 1) return e;
        int[] rest = new int[e.rank() - 1];
        for (int i = 1; i < e.rank(); i++) rest[i - 1] = i;
        return e.mean(rest);
    }

    /** Mean over everything (what the training step minimises with uniform weights). */
    public double mean(INDArray prediction, INDArray target) {
        return elementwise(prediction, target).meanNumber().doubleValue();
    }
}
