package org.factorlab.train;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.factorlab.data.Batch;
import org.factorlab.nn.CompiledGraph;
import org.factorlab.nn.GradientCheck;
import org.factorlab.train.optim.Adam;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * The training session every graph family shares: a family hands over its SameDiff graph, the names of its loss
 * outputs, its parameter groups and how a batch becomes the graph's inputs; this class does the rest once.
 * One backward pass of the family's objective (executed by {@link CompiledGraph}), one Adam/AdamW per parameter
 * group, named losses, running statistics (BatchNorm) carried in the state, {@code state()}/{@code load()}, and
 * per-step randomness seeded by (seed, step) alone ({@link Seeds#step}), so a session restored at step n continues
 * with exactly the numbers an uninterrupted run uses.
 *
 * <p>Frozen parameters are graph constants: they get no gradient, no optimizer state, and are not in the state.
 */
public abstract class GraphSession implements TrainingSession {
    /**
     * What a family's graph factory declares.
     *
     * @param objective    the scalar whose gradient trains every group (stop-gradients route terms to groups)
     * @param losses       reported loss name to graph variable, in report order; must include {@value Losses#TOTAL}
     * @param groups       every trainable variable in exactly one group
     * @param extraOutputs further graph outputs {@link #afterStep} reads (e.g. BatchNorm batch statistics)
     * @param frozen       variables whose values come from a parent checkpoint: they become graph constants, get no
     *                     gradient and no optimizer state, and are not part of the state
     */
    public record Spec(SameDiff sd, String objective, Map<String, String> losses, List<ParameterGroup> groups,
                       List<String> extraOutputs, Map<String, INDArray> frozen) {
        public Spec(SameDiff sd, String objective, Map<String, String> losses, List<ParameterGroup> groups, List<String> extraOutputs) {
            this(sd, objective, losses, groups, extraOutputs, Map.of());
        }

        public Spec {
            losses = Collections.unmodifiableMap(new LinkedHashMap<>(losses));
            groups = List.copyOf(groups);
            extraOutputs = List.copyOf(extraOutputs);
            frozen = Collections.unmodifiableMap(new LinkedHashMap<>(frozen));
            if (!losses.containsKey(Losses.TOTAL))
                throw new IllegalArgumentException("graph spec: losses must include '" + Losses.TOTAL + "', got " + losses.keySet());
        }
    }

    private final String family;
    private final long seed;
    private final SameDiff sd;
    private final Map<String, String> losses;
    private final List<ParameterGroup> groups;
    private final List<Adam> optimizers = new ArrayList<>();
    private long optimizerNanos;
    private final List<String> params = new ArrayList<>();
    private final CompiledGraph gradients;
    private final Map<String, INDArray> runningState = new LinkedHashMap<>();
    private long step;
    private double lastGradNorm = Double.NaN;

    protected GraphSession(String family, Spec spec, long seed) {
        this.family = family;
        this.seed = seed;
        this.sd = spec.sd();
        this.losses = spec.losses();
        this.groups = spec.groups();
        freeze(family, sd, spec.frozen());
        Set<String> trainable = new LinkedHashSet<>(GradientCheck.trainable(sd));
        Set<String> seen = new LinkedHashSet<>();
        for (ParameterGroup g : groups)
            for (String v : g.variables()) {
                if (!trainable.contains(v))
                    throw new IllegalArgumentException(family + ": parameter group '" + g.name() + "' names '" + v + "', not a trainable variable");
                if (!seen.add(v)) throw new IllegalArgumentException(family + ": variable '" + v + "' is in two parameter groups");
            }
        if (!seen.equals(trainable)) {
            trainable.removeAll(seen);
            throw new IllegalArgumentException(family + ": trainable variables in no parameter group: " + trainable);
        }
        params.addAll(seen);
        sd.setLossVariables(spec.objective());
        List<String> outputs = new ArrayList<>(new LinkedHashSet<>(losses.values()));
        outputs.addAll(spec.extraOutputs());
        this.gradients = CompiledGraph.gradients(sd, outputs, params);
        for (ParameterGroup g : groups) optimizers.add(new Adam(g.optimizer(), arrays(g.variables())));
    }

    /** Assigns each frozen variable its parent's value and turns it into a constant (no gradient, no state). */
    private static void freeze(String family, SameDiff sd, Map<String, INDArray> frozen) {
        List<org.nd4j.autodiff.samediff.SDVariable> vars = new ArrayList<>();
        for (var e : frozen.entrySet()) {
            org.nd4j.autodiff.samediff.SDVariable v = sd.getVariable(e.getKey());
            if (v == null || v.getVariableType() != org.nd4j.autodiff.samediff.VariableType.VARIABLE)
                throw new IllegalArgumentException(family + ": frozen parameter '" + e.getKey() + "' is not a parameter of this graph");
            INDArray dst = sd.getArrForVarName(e.getKey());
            if (!Arrays.equals(dst.shape(), e.getValue().shape()))
                throw new IllegalArgumentException(family + ": frozen parameter '" + e.getKey() + "' has shape " + Arrays.toString(e.getValue().shape())
                        + " in the parent, " + Arrays.toString(dst.shape()) + " in this model (a parent of another config?)");
            dst.assign(e.getValue());
            vars.add(v);
        }
        if (!vars.isEmpty()) sd.convertToConstants(vars);
    }

    /** The graph's inputs for one step; {@code stepSeed} ({@link Seeds#step}) seeds every draw the step needs. */
    protected abstract Map<String, INDArray> feed(Batch batch, long stepSeed);

    /** Called after the optimizer update with the step's outputs (valid until the next step): running statistics. */
    protected void afterStep(Map<String, INDArray> outputs, Batch batch) {
    }

    /** Declares a non-trainable array (e.g. a BatchNorm running mean) carried in {@link #state()}. Constructor only. */
    protected final INDArray addRunningState(String name, INDArray initial) {
        if (runningState.containsKey(name) || params.contains(name))
            throw new IllegalArgumentException(family + ": state name '" + name + "' used twice");
        runningState.put(name, initial);
        return initial;
    }

    protected final INDArray runningState(String name) {
        return runningState.get(name);
    }

    /** The training graph (its variable arrays are the live parameters). */
    protected final SameDiff graph() {
        return sd;
    }

    public final long seed() {
        return seed;
    }

    public final long stepCount() {
        return step;
    }

    /** The trainable parameter names, in group order. */
    public final List<String> parameterNames() {
        return List.copyOf(params);
    }

    public final List<ParameterGroup> groups() {
        return groups;
    }

    /** Times every op of the step by op type from now on (benchmarks; adds a clock read per op). */
    public final void setProfiling(boolean on) {
        gradients.setProfiling(on);
    }

    /** Profile keys with the op's input shapes (see {@link CompiledGraph#setProfilingByShape}). */
    public final void setProfilingByShape(boolean on) {
        gradients.setProfilingByShape(on);
    }

    /** Per op type: {calls, nanoseconds} since profiling was switched on. */
    public final Map<String, long[]> profile() {
        return gradients.profile();
    }

    /** Nanoseconds spent in the optimizer (gradient norms, clipping, updates) over all steps so far (benchmarks). */
    public final long optimizerNanos() {
        return optimizerNanos;
    }

    /** Native op calls per step (graph ops minus those run as views), after a first step. */
    public final int executedOpCount() {
        return gradients.executedOpCount();
    }

    /** Ops the step executes (forward and backward). */
    public final int opCount() {
        return gradients.opCount();
    }

    @Override
    public final List<String> lossNames() {
        return List.copyOf(losses.keySet());
    }

    @Override
    public final double lastGradientNorm() {
        return lastGradNorm;
    }

    @Override
    public final Losses step(Batch batch) {
        Map<String, INDArray> ph = feed(batch, Seeds.step(seed, step));
        Map<String, INDArray> out = gradients.run(ph);
        Map<String, Double> values = new LinkedHashMap<>();
        for (var e : losses.entrySet()) values.put(e.getKey(), out.get(e.getValue()).getDouble(0));
        Losses l = new Losses(values);
        if (!l.allFinite()) throw new IllegalStateException(family + ": loss is not finite at step " + step + ": " + values);
        long opt0 = System.nanoTime();
        double sq = 0;
        double[] norms = new double[groups.size()];
        for (int i = 0; i < groups.size(); i++) {
            norms[i] = optimizers.get(i).gradientNorm(out);
            sq += norms[i] * norms[i];
        }
        if (!Double.isFinite(sq)) {
            // parameters are untouched: re-running the step finds the op where the non-finite value starts
            String where = gradients.firstNonFinite(ph).orElse("every value is finite when the step is re-run");
            throw new IllegalStateException(family + ": gradient norm is not finite at step " + step + " (losses " + values
                    + "); parameters not updated; first non-finite value: " + where);
        }
        for (int i = 0; i < groups.size(); i++) optimizers.get(i).update(step, arrays(groups.get(i).variables()), norms[i]);
        optimizerNanos += System.nanoTime() - opt0;
        lastGradNorm = Math.sqrt(sq);
        afterStep(out, batch);
        step++;
        return l;
    }

    /** Live arrays, not copies: the trainable parameters, then the running state. */
    @Override
    public final Map<String, INDArray> parameters() {
        Map<String, INDArray> p = arrays(params);
        p.putAll(runningState);
        return Collections.unmodifiableMap(p);
    }

    @Override
    public final TrainingState state() {
        Map<String, INDArray> p = new LinkedHashMap<>();
        for (var e : parameters().entrySet()) p.put(e.getKey(), e.getValue().dup());
        Map<String, INDArray> u = new LinkedHashMap<>();
        for (Adam a : optimizers) u.putAll(a.state());
        return new TrainingState(step, p, u);
    }

    @Override
    public final void load(TrainingState state) {
        Map<String, INDArray> p = state.parameters();
        Map<String, INDArray> live = parameters();
        for (var e : live.entrySet()) {
            INDArray a = p.get(e.getKey());
            if (a == null) throw new IllegalArgumentException(family + " state has no parameter '" + e.getKey() + "' (a checkpoint of a different config?)");
            if (!Arrays.equals(a.shape(), e.getValue().shape()))
                throw new IllegalArgumentException(family + " parameter '" + e.getKey() + "': state has shape " + Arrays.toString(a.shape())
                        + ", the model " + Arrays.toString(e.getValue().shape()));
        }
        if (p.size() != live.size())
            throw new IllegalArgumentException(family + " state has " + p.size() + " parameter arrays, this model has " + live.size()
                    + " (a checkpoint of a different config?)");
        for (var e : live.entrySet()) e.getValue().assign(p.get(e.getKey()));
        for (Adam a : optimizers) a.load(state.updaterState());
        step = state.step();
    }

    private Map<String, INDArray> arrays(List<String> names) {
        Map<String, INDArray> m = new LinkedHashMap<>();
        for (String n : names) m.put(n, sd.getArrForVarName(n));
        return m;
    }
}
