package org.factorlab.nn;

import java.util.List;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * GroupNorm with its per-channel affine as one graph op, and its backward as one op: {@code y = GroupNorm(x) * gamma +
 * beta} over {@code x [B, C, ...]}, parameters of shape [C], optionally followed by a per-sample scale and shift
 * {@code y * (1 + scale) + shift} with scale and shift of shape [B, C]. Only {@link CompiledGraph} executes them (through
 * {@link GroupNormKernel}); libnd4j has no such op, so SameDiff's own executor cannot ({@link FusedOps}). Graphs meant
 * for SameDiff's executor are built with {@link Layers#writtenOut()}, which writes GroupNorm out as plain ops instead.
 */
final class FusedGroupNorm {
    static final String OP = "factorlab_group_norm";
    static final String BACKWARD_OP = "factorlab_group_norm_bp";

    static {
        FusedOps.register(OP, new Forward());
        FusedOps.register(BACKWARD_OP, new Backward());
    }

    private FusedGroupNorm() {
    }

    /**
     * {@code scale} and {@code shift}: both null, or both [B, C]. With {@code silu}, SiLU follows in the same op (the
     * backward computes its input again from x).
     */
    static SDVariable apply(SDVariable x, SDVariable gamma, SDVariable beta, SDVariable scale, SDVariable shift, int groups, double eps,
                            boolean silu) {
        if ((scale == null) != (shift == null)) throw new IllegalArgumentException("GroupNorm: a scale needs a shift and the other way round");
        SDVariable[] args = scale == null ? new SDVariable[] {x, gamma, beta} : new SDVariable[] {x, gamma, beta, scale, shift};
        return new Forward(x.getSameDiff(), args, groups, eps, silu).outputVariables()[0];
    }

    /**
     * Both ops carry the group count and whether SiLU follows (1) as their integer arguments, and epsilon as their
     * float argument.
     */
    private abstract static class GroupOp extends FusedOps.Op {
        GroupOp() {
        }

        GroupOp(SameDiff sd, SDVariable[] args, int groups, double eps, boolean silu) {
            super(sd, args);
            addIArgument(groups, silu ? 1 : 0);
            addTArgument(eps);
        }

        int groups() {
            return (int) iArgs()[0];
        }

        boolean silu() {
            return iArgs().length > 1 && iArgs()[1] == 1;
        }

        double eps() {
            return tArgs()[0];
        }
    }

    /** Inputs {x, gamma, beta} or {x, gamma, beta, scale, shift}; output y. */
    public static final class Forward extends GroupOp {
        Forward(SameDiff sd, SDVariable[] args, int groups, double eps, boolean silu) {
            super(sd, args, groups, eps, silu);
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
            return new int[] {0};
        }

        @Override
        public List<SDVariable> doDiff(List<SDVariable> grads) {
            SDVariable[] a = args();
            List<SDVariable> in = new java.util.ArrayList<>(List.of(a[0], a[1], a[2], grads.get(0)));
            if (a.length == 5) in.add(a[3]);
            if (a.length == 5 && silu()) in.add(a[4]);
            return List.of(new Backward(sameDiff, in.toArray(new SDVariable[0]), groups(), eps(), silu()).outputVariables());
        }

        Runnable kernel(INDArray[] args, INDArray[] outs) {
            int groups = groups();
            double eps = eps();
            boolean silu = silu();
            INDArray scale = args.length == 5 ? args[3] : null, shift = args.length == 5 ? args[4] : null;
            return () -> GroupNormKernel.forward(args[0], args[1], args[2], scale, shift, groups, eps, outs[0], silu);
        }
    }

    /**
     * Inputs {x, gamma, beta, dy}, {x, gamma, beta, dy, scale}, or with SiLU after a scale and shift {x, gamma, beta,
     * dy, scale, shift}; outputs {dx, dgamma, dbeta} or {dx, dgamma, dbeta, dscale, dshift}.
     */
    public static final class Backward extends GroupOp {
        Backward(SameDiff sd, SDVariable[] args, int groups, double eps, boolean silu) {
            super(sd, args, groups, eps, silu);
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
            return inputs == 4 ? new int[] {0, 1, 1} : new int[] {0, 1, 1, 4, 4};
        }

        Runnable kernel(INDArray[] args, INDArray[] outs) {
            int groups = groups();
            double eps = eps();
            boolean silu = silu();
            INDArray scale = args.length >= 5 ? args[4] : null, shift = args.length == 6 ? args[5] : null;
            INDArray dscale = scale != null ? outs[3] : null, dshift = scale != null ? outs[4] : null;
            return () -> GroupNormKernel.backward(args[0], args[1], args[2], scale, shift, args[3], silu, groups, eps, outs[0], outs[1], outs[2],
                    dscale, dshift);
        }
    }
}
