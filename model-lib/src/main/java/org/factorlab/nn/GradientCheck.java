package org.factorlab.nn;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Finite-difference check of the analytic gradients that training uses: for a random subset of entries of each named
 * variable, compares {@link CompiledGraph}'s gradients (SameDiff's backward ops and the fused ones) with the central
 * difference {@code (L(w+e) - L(w-e)) / 2e}, the loss also evaluated by {@link CompiledGraph}. Use a double-precision
 * graph with a scalar loss; make inputs variables (not placeholders) to check the input gradient too.
 */
public final class GradientCheck {
    private GradientCheck() {
    }

    public record Result(int checked, int failed, double maxRelError, List<String> failures) {
        public boolean passed() {
            return failed == 0 && checked > 0;
        }

        @Override
        public String toString() {
            return "checked " + checked + " entries, " + failed + " failed, max relative error " + maxRelError
                    + (failures.isEmpty() ? "" : "; first failures: " + failures.subList(0, Math.min(5, failures.size())));
        }
    }

    /**
     * @param perVariable entries checked per variable (all when the variable is smaller)
     * @param maxRelError relative error allowed, |a - n| / max(|a|, |n|)
     * @param absTol      an absolute difference below this always passes (finite-difference noise around 0)
     */
    public static Result check(SameDiff sd, String loss, Map<String, INDArray> placeholders, Collection<String> variables,
                               int perVariable, double eps, double maxRelError, double absTol, long seed) {
        sd.setLossVariables(loss);
        Map<String, INDArray> analytic = new java.util.HashMap<>();
        CompiledGraph.gradients(sd, List.of(), variables).run(placeholders).forEach((k, v) -> analytic.put(k, v.dup()));
        CompiledGraph value = CompiledGraph.outputs(sd, List.of(loss));
        SplittableRandom rng = new SplittableRandom(seed);
        int checked = 0, failed = 0;
        double worst = 0;
        List<String> failures = new ArrayList<>();
        for (String v : variables) {
            INDArray arr = sd.getArrForVarName(v);
            if (arr.dataType() != DataType.DOUBLE)
                throw new IllegalArgumentException("gradient check needs a DOUBLE graph; " + v + " is " + arr.dataType());
            INDArray grad = analytic.get(v);
            if (grad == null) throw new IllegalStateException("no gradient for " + v);
            long n = arr.length();
            int count = (int) Math.min(n, perVariable);
            for (int j = 0; j < count; j++) {
                long i = count == n ? j : rng.nextLong(n);
                double orig = arr.getDouble(i);
                arr.putScalar(i, orig + eps);
                double lp = value.run(placeholders).get(loss).getDouble(0);
                arr.putScalar(i, orig - eps);
                double lm = value.run(placeholders).get(loss).getDouble(0);
                arr.putScalar(i, orig);
                double num = (lp - lm) / (2 * eps);
                double an = grad.getDouble(i);
                double diff = Math.abs(an - num);
                double rel = diff <= absTol ? 0 : diff / Math.max(Math.abs(an), Math.abs(num));
                checked++;
                worst = Math.max(worst, rel);
                if (rel > maxRelError) {
                    failed++;
                    failures.add(v + "[" + i + "] analytic " + an + " numeric " + num);
                }
            }
        }
        return new Result(checked, failed, worst, failures);
    }

    /** All trainable variables (VariableType.VARIABLE) of the graph, in creation order. */
    public static List<String> trainable(SameDiff sd) {
        List<String> out = new ArrayList<>();
        for (SDVariable v : sd.variables()) if (v.getVariableType() == VariableType.VARIABLE) out.add(v.name());
        return out;
    }

    /**
     * Overwrites every trainable variable with U(-scale, scale) noise: zero-initialised layers (LDM's zero_module
     * outputs) would otherwise hide the gradients of everything before them.
     */
    public static void randomize(SameDiff sd, double scale, long seed) {
        for (String v : trainable(sd)) {
            INDArray a = sd.getArrForVarName(v);
            SplittableRandom rng = Scope.rng(seed, v);
            for (long i = 0; i < a.length(); i++) a.putScalar(i, (rng.nextDouble() * 2 - 1) * scale);
        }
    }
}
