package org.factorlab.nn;

import java.util.Arrays;
import java.util.Map;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/** Loading trained parameters into an inference graph: the one copy every trained model uses. */
public final class GraphParameters {
    private GraphParameters() {
    }

    /** Assigns every trainable variable of {@code sd} from {@code parameters}; errors start with {@code owner} and name the variable. */
    public static void assign(SameDiff sd, Map<String, INDArray> parameters, String owner) {
        for (String name : GradientCheck.trainable(sd)) {
            INDArray a = parameters.get(name);
            if (a == null) throw new IllegalArgumentException(owner + ": parameters lack '" + name + "' (a checkpoint of another config?)");
            INDArray dst = sd.getArrForVarName(name);
            if (!Arrays.equals(a.shape(), dst.shape()))
                throw new IllegalArgumentException(owner + ": '" + name + "' has shape " + Arrays.toString(a.shape())
                        + ", expected " + Arrays.toString(dst.shape()));
            dst.assign(a);
        }
    }
}
