package org.factorlab.nn;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.imports.converters.ImportClassMapping;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;

/**
 * What this package's fused ops ({@link FusedGroupNorm}, {@link FusedSilu}) share: their registration with SameDiff
 * and an op base class. libnd4j has none of these ops; {@link CompiledGraph} runs their kernels (through
 * {@link StandIns}) and SameDiff's own executor cannot.
 */
final class FusedOps {
    private FusedOps() {
    }

    /**
     * SameDiff copies every op through its FlatBuffers form when it builds the gradient function, and finds the class
     * of a custom op that libnd4j does not know by name in {@link ImportClassMapping}'s map: each op class registers
     * itself once, when it is first used, before any graph holds one of its ops.
     */
    static synchronized void register(String opName, DifferentialFunction prototype) {
        ImportClassMapping.getOpNameMapping().putIfAbsent(opName, prototype);
    }

    /**
     * A fused op each of whose outputs has the shape and data type of one of its inputs. Subclasses are public with a
     * public no-argument constructor, for SameDiff's reflective copies; their integer and float arguments travel as
     * such (libnd4j has no descriptor to name them).
     */
    abstract static class Op extends DynamicCustomOp {
        Op() {
        }

        Op(SameDiff sd, SDVariable[] args) {
            super(sd, args);
        }

        /** For each output, the index of the input whose shape and type it has, given the number of inputs. */
        abstract int[] outputsLike(int inputs);

        @Override
        public int getNumOutputs() {
            return outputsLike(args().length).length;
        }

        @Override
        public List<DataType> calculateOutputDataTypes(List<DataType> in) {
            List<DataType> out = new ArrayList<>();
            for (int i : outputsLike(in.size())) out.add(in.get(i));
            return out;
        }

        @Override
        public List<LongShapeDescriptor> calculateOutputShape(OpContext ctx) {
            List<LongShapeDescriptor> out = new ArrayList<>();
            for (int i : outputsLike(ctx.numInputArguments())) {
                INDArray like = ctx.getInputArray(i);
                out.add(LongShapeDescriptor.fromShape(like.shape(), like.dataType()));
            }
            return out;
        }

        @Override
        public Map<String, Object> propertiesForFunction() {
            return new HashMap<>();
        }

        /** Backward ops: no second derivatives. */
        @Override
        public List<SDVariable> doDiff(List<SDVariable> grads) {
            throw new UnsupportedOperationException(opName() + ": second derivatives are not implemented");
        }
    }
}
