package org.factorlab.nn;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.nd4j.autodiff.functions.DifferentialFunction;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.autodiff.samediff.VariableType;
import org.nd4j.autodiff.samediff.internal.SameDiffOp;
import org.nd4j.autodiff.samediff.internal.Variable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.ops.BaseOp;
import org.nd4j.linalg.api.ops.CustomOp;
import org.nd4j.linalg.api.ops.DynamicCustomOp;
import org.nd4j.linalg.api.ops.Op;
import org.nd4j.linalg.api.ops.OpContext;
import org.nd4j.linalg.api.ops.ReduceOp;
import org.nd4j.linalg.api.ops.ScalarOp;
import org.nd4j.linalg.api.ops.BaseReduceOp;
import org.nd4j.linalg.api.ops.impl.controlflow.compat.StopGradient;
import org.nd4j.linalg.api.ops.impl.transforms.same.Identity;
import org.nd4j.linalg.api.shape.LongShapeDescriptor;
import org.nd4j.linalg.api.shape.Shape;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Runs a plain SameDiff graph (no control flow) as a fixed op list over planned buffers.
 *
 * <p>Why: SameDiff's {@code InferenceSession} re-derives the execution order, tracks array dependencies in hash maps,
 * copies the whole variable map once per requested output, and allocates every intermediate array afresh on every
 * call ({@code calculateGradients} runs with the array cache off). For a U-Net with thousands of ops that Java-side
 * work and the allocations cost more than the arithmetic. Here the op order, the output shapes and a liveness-based
 * buffer assignment are computed once per set of placeholder shapes; a call copies the placeholders in and executes
 * the ops, nothing else.
 *
 * <p>The ops executed are SameDiff's own (including its backward ops from {@code createGradFunction}), so the values
 * are SameDiff's: {@code CompiledGraphTest} checks gradients and outputs against {@code calculateGradientsAndOutputs}.
 * Arrays returned by {@link #run} belong to the plan and are overwritten by the next call; copy what must outlive it.
 * Parameters are read from the graph's variable arrays at each call, so in-place updates are seen. Not thread safe.
 */
public final class CompiledGraph {
    /** Plans kept per distinct set of placeholder shapes (training batch, a last partial batch, ...). */
    private static final int MAX_PLANS = 4;

    private final SameDiff outer;
    private final SameDiff graph;
    private final List<String> placeholders;
    /** Requested variable name -> the name the caller sees (the parameter name for gradients). */
    private final Map<String, String> requested;
    private final List<SameDiffOp> ops;
    private final Map<List<List<Long>>, Plan> plans = new LinkedHashMap<>(8, 0.75f, true);
    /** Per op type: {calls, nanoseconds}, when profiling is on. */
    private final Map<String, long[]> profile = new LinkedHashMap<>();
    private boolean profiling;
    private Plan lastPlan;
    /** Profile keys carry the input shapes ({@code conv2d_bp [32,3,32,32] ...}): which instances of an op type cost. */
    private boolean profileByShape;

    private CompiledGraph(SameDiff outer, SameDiff graph, Map<String, String> requested) {
        this.outer = outer;
        this.graph = graph;
        this.requested = requested;
        this.ops = order(graph, requested.keySet());
        List<String> ph = new ArrayList<>();
        Set<String> used = new HashSet<>();
        for (SameDiffOp op : ops) used.addAll(Arrays.asList(argNames(op)));
        used.addAll(requested.keySet());
        for (String name : used)
            if (graph.getVariable(name).getVariableType() == VariableType.PLACEHOLDER) ph.add(name);
        this.placeholders = List.copyOf(ph);
    }

    /** Forward outputs of {@code sd}, keyed by name. */
    public static CompiledGraph outputs(SameDiff sd, Collection<String> outputs) {
        Map<String, String> req = new LinkedHashMap<>();
        for (String o : outputs) req.put(checkVariable(sd, o), o);
        return new CompiledGraph(sd, sd, req);
    }

    /**
     * Forward {@code outputs} and the gradients of the loss variables of {@code sd} with respect to {@code wrt}, keyed
     * by output name and by parameter name respectively (as {@code calculateGradientsAndOutputs} returns them).
     */
    public static CompiledGraph gradients(SameDiff sd, Collection<String> outputs, Collection<String> wrt) {
        if (sd.getFunction("grad") == null) createGradFunctionQuietly(sd);
        SameDiff gradFn = sd.getFunction("grad");
        Map<String, String> req = new LinkedHashMap<>();
        for (String o : outputs) req.put(checkVariable(gradFn, o), o);
        for (String p : wrt) {
            SDVariable g = sd.getVariable(checkVariable(sd, p)).getGradient();
            if (g == null) throw new IllegalArgumentException("CompiledGraph: the loss does not depend on '" + p + "' (no gradient variable)");
            if (req.put(g.name(), p) != null) throw new IllegalArgumentException("CompiledGraph: '" + p + "' requested twice");
        }
        return new CompiledGraph(sd, gradFn, req);
    }

    /** Placeholders the requested values depend on. */
    public List<String> placeholders() {
        return placeholders;
    }

    /** Times every op call by op type from now on (adds a clock read per op). */
    public void setProfiling(boolean on) {
        profiling = on;
    }

    /** With profiling on, keys the profile by op type and input shapes instead of op type alone. */
    public void setProfilingByShape(boolean on) {
        profileByShape = on;
    }

    /**
     * Per op type (for example {@code conv2d_bp}): {calls, total nanoseconds, calling thread's CPU nanoseconds} since
     * profiling was switched on. With one native thread (OMP_NUM_THREADS=1) the CPU figure is the op's whole cost and
     * does not grow with other processes' load, as wall time does on a busy machine.
     */
    public Map<String, long[]> profile() {
        return java.util.Collections.unmodifiableMap(profile);
    }

    /** Number of graph ops a call covers. */
    public int opCount() {
        return ops.size();
    }

    /** Native op calls per call of the most recently used plan (ops minus identities, pass-through gradients and reshapes run as views). */
    public int executedOpCount() {
        return lastPlan == null ? ops.size() : lastPlan.steps.size();
    }

    /**
     * Executes the graph. The returned arrays are owned by this graph until the next call.
     *
     * @throws IllegalArgumentException when a needed placeholder is missing
     */
    public Map<String, INDArray> run(Map<String, INDArray> feed) {
        List<List<Long>> key = planKey(feed);
        Plan plan = plans.get(key);
        if (plan == null) {
            plan = new Plan(feed);
            if (plans.size() >= MAX_PLANS) {
                var it = plans.keySet().iterator();
                it.next();
                it.remove();
            }
            plans.put(key, plan);
            lastPlan = plan;
            return plan.results();
        }
        lastPlan = plan;
        plan.execute(feed);
        return plan.results();
    }

    /**
     * Diagnosis of a NaN or infinite result: runs the graph on {@code feed} again, checking every op's outputs, and
     * describes the first op (in execution order) that writes a non-finite value, with its inputs' shapes and largest
     * magnitudes; empty when every value is finite. Slow (a check per op); for use after a failure.
     */
    public Optional<String> firstNonFinite(Map<String, INDArray> feed) {
        for (String p : placeholders)
            if (feed.get(p) != null && nonFinite(feed.get(p))) return Optional.of("placeholder '" + p + "' holds a NaN or infinity");
        if (!plans.containsKey(planKey(feed))) run(feed);
        return plans.get(planKey(feed)).execute(feed, true);
    }

    private List<List<Long>> planKey(Map<String, INDArray> feed) {
        List<List<Long>> key = new ArrayList<>(placeholders.size());
        for (String p : placeholders) {
            INDArray a = feed.get(p);
            if (a == null) throw new IllegalArgumentException("CompiledGraph: no value for placeholder '" + p + "'");
            List<Long> k = new ArrayList<>(a.rank() + 1);
            k.add((long) a.dataType().ordinal());
            for (long d : a.shape()) k.add(d);
            key.add(k);
        }
        return key;
    }

    private static boolean nonFinite(INDArray a) {
        return a != null && !a.isEmpty() && a.dataType().isFPType() && (a.isNaN().any() || a.isInfinite().any());
    }

    private static final Object STDOUT_LOCK = new Object();
    /** {@code -Dfactorlab.compiled.reshapeViews=false} runs every reshape as a copying op (A/B timing, diagnosis). */
    private static final boolean RESHAPE_VIEWS = Boolean.parseBoolean(System.getProperty("factorlab.compiled.reshapeViews", "true"));
    /** {@code -Dfactorlab.compiled.passThrough=false} runs same-shape {@code add_bp} as an op (A/B timing, diagnosis). */
    private static final boolean PASS_THROUGH = Boolean.parseBoolean(System.getProperty("factorlab.compiled.passThrough", "true"));
    private static final java.lang.management.ThreadMXBean THREAD_CPU = java.lang.management.ManagementFactory.getThreadMXBean();

    /** SameDiff prints one "Added differentiated op" line per op to System.out while it builds the backward graph. */
    private static void createGradFunctionQuietly(SameDiff sd) {
        synchronized (STDOUT_LOCK) {
            java.io.PrintStream original = System.out;
            System.setOut(new java.io.PrintStream(original, true) {
                @Override
                public void println(String x) {
                    if (x == null || !x.startsWith("Added differentiated op")) super.println(x);
                }
            });
            try {
                sd.createGradFunction();
            } finally {
                System.setOut(original);
            }
        }
    }

    private static String checkVariable(SameDiff sd, String name) {
        if (!sd.hasVariable(name)) throw new IllegalArgumentException("CompiledGraph: the graph has no variable '" + name + "'");
        return name;
    }

    private static String[] argNames(SameDiffOp op) {
        String[] a = op.getOp().argNames();
        return a == null ? new String[0] : a;
    }

    /** The ops the requested variables need, each after its inputs (depth-first post-order, deterministic). */
    private static List<SameDiffOp> order(SameDiff g, Collection<String> requested) {
        Map<String, SameDiffOp> all = g.getOps();
        Map<String, Variable> vars = g.getVariables();
        List<SameDiffOp> out = new ArrayList<>();
        Set<String> done = new HashSet<>();
        Set<String> onStack = new HashSet<>();
        // explicit stack: U-Net gradient graphs are deep enough to overflow recursion
        ArrayDeque<Object[]> stack = new ArrayDeque<>();
        for (String r : requested) {
            String producer = vars.get(r).getOutputOfOp();
            if (producer == null || done.contains(producer)) continue;
            stack.push(new Object[] {producer, 0});
            onStack.add(producer);
            while (!stack.isEmpty()) {
                Object[] top = stack.peek();
                String opName = (String) top[0];
                SameDiffOp op = all.get(opName);
                String[] args = argNames(op);
                int i = (Integer) top[1];
                if (i < args.length) {
                    top[1] = i + 1;
                    String in = vars.get(args[i]).getOutputOfOp();
                    if (in != null && !done.contains(in)) {
                        if (!onStack.add(in)) throw new IllegalStateException("CompiledGraph: cycle through op " + in + " (control flow is not supported)");
                        stack.push(new Object[] {in, 0});
                    }
                } else {
                    stack.pop();
                    onStack.remove(opName);
                    done.add(opName);
                    out.add(op);
                }
            }
        }
        return out;
    }

    /** Op list bound to buffers for one set of placeholder shapes. */
    private final class Plan {
        private final Map<String, INDArray> phBuffers = new HashMap<>();
        private final List<Step> steps = new ArrayList<>();
        private final Map<String, INDArray> results = new LinkedHashMap<>();
        /** Parameters bound into the contexts, re-checked each call (a caller may replace an array). */
        private final List<Bound> bound = new ArrayList<>();
        /** Views (reshapes without a copy) -> the array whose buffer they share, for liveness. */
        private final Map<INDArray, INDArray> baseOf = new java.util.IdentityHashMap<>();

        /** One executable op: {@code name} (the op type) keys the profile; {@code op} is the graph's op name. */
        private record Step(String name, Runnable kernel, String op, INDArray[] ins, INDArray[] outs) {
            Step(String name, Runnable kernel) {
                this(name, kernel, null, null, null);
            }

            Step withArrays(String op, INDArray[] ins, INDArray[] outs) {
                return new Step(name, kernel, op, ins, outs);
            }
        }

        private record Bound(String name, INDArray array) {
        }

        /** Builds the plan by executing the graph once on {@code feed}. */
        Plan(Map<String, INDArray> feed) {
            Map<String, INDArray> values = new HashMap<>();
            Set<INDArray> pinned = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
            for (String p : placeholders) {
                INDArray copy = feed.get(p).dup('c');
                phBuffers.put(p, copy);
                values.put(p, copy);
                pinned.add(copy);
            }
            // last op index that reads each variable; requested ones live to the end
            Map<String, Integer> lastUse = new HashMap<>();
            for (int i = 0; i < ops.size(); i++)
                for (String a : argNames(ops.get(i))) lastUse.put(a, i);
            for (String r : requested.keySet()) lastUse.put(r, Integer.MAX_VALUE);
            // buffers by (dtype, shape) that are free for reuse; aliases (Identity) count towards their source
            Map<String, ArrayDeque<INDArray>> free = new HashMap<>();
            Map<INDArray, Integer> bufferEnd = new java.util.IdentityHashMap<>();
            for (int i = 0; i < ops.size(); i++) {
                SameDiffOp sdo = ops.get(i);
                DifferentialFunction df = sdo.getOp();
                String[] argNames = argNames(sdo);
                INDArray[] args = new INDArray[argNames.length];
                for (int a = 0; a < argNames.length; a++) args[a] = resolve(argNames[a], values, pinned);
                List<String> outNames = sdo.getOutputsOfOp();
                OpContext ctx = Nd4j.getExecutioner().buildContext();
                INDArray[] outs;
                INDArray scalar = null;
                if (df instanceof Identity || (df instanceof StopGradient && !requested.containsKey(outNames.get(0)))) {
                    // both return their input: an alias, no copy (a stop-gradient only matters to the backward graph)
                    outs = new INDArray[] {args[0]};
                    ctx = null;
                } else if (passesGradientThrough(df, args, outNames)) {
                    // the gradient of x + y with x, y and z alike in shape is dL/dz for both: aliases, no copies
                    outs = new INDArray[] {args[2], args[2]};
                    ctx = null;
                } else if (df instanceof CustomOp) {
                    DynamicCustomOp c = (DynamicCustomOp) df;
                    ctx.setArgs(args, c.iArgs(), c.dArgs(), c.tArgs(), c.bArgs());
                    List<LongShapeDescriptor> shapes = c.calculateOutputShape(ctx);
                    if (shapes == null || shapes.size() != outNames.size())
                        throw new IllegalStateException("CompiledGraph: op " + sdo.getName() + " (" + df.opName() + ") gave "
                                + (shapes == null ? 0 : shapes.size()) + " output shapes for " + outNames.size() + " outputs");
                    INDArray view = requested.containsKey(outNames.get(0)) ? null : reshapeView(df, args, shapes, outNames, ctx);
                    if (view != null) {
                        // a reshape of a contiguous array is a view of its buffer: no copy, no op per call
                        outs = new INDArray[] {view};
                        baseOf.put(view, baseOf.getOrDefault(args[0], args[0]));
                        ctx = null;
                    } else {
                        outs = new INDArray[shapes.size()];
                        for (int o = 0; o < outs.length; o++) {
                            DataType dt = graph.getVariable(outNames.get(o)).dataType();
                            LongShapeDescriptor s = shapes.get(o);
                            if (s.dataType() != dt) s = s.asDataType(dt);
                            outs[o] = take(free, s, i, lastUse, outNames.get(o), bufferEnd);
                            ctx.setOutputArray(o, outs[o]);
                        }
                    }
                } else if (df instanceof Op op) {
                    boolean axisArg = false;
                    if (op instanceof ReduceOp r && r.getOpType() != Op.Type.REDUCE3 && argNames.length == 2) {
                        INDArray axis = args[1];
                        if (axis.isEmpty()) throw new IllegalStateException("CompiledGraph: op " + sdo.getName() + ": empty reduction axis is not supported");
                        df.setDimensions(Shape.normalizeAxis(args[0].rank(), axis.toIntVector()));
                        ((BaseReduceOp) op).setEmptyReduce(false);
                        axisArg = true;
                    } else if (op instanceof ScalarOp s && argNames.length == 2) {
                        s.setScalar(args[1]);
                        scalar = args[1];
                    }
                    if (args.length > 0) ctx.setInputArray(0, args[0]);
                    if (args.length == 2 && !axisArg) ctx.setInputArray(1, args[1]);
                    List<LongShapeDescriptor> shapes = ((BaseOp) op).calculateOutputShape(ctx);
                    if (shapes == null || shapes.size() != 1)
                        throw new IllegalStateException("CompiledGraph: no output shape for op " + sdo.getName() + " (" + df.opName() + ")");
                    outs = new INDArray[] {take(free, shapes.get(0), i, lastUse, outNames.get(0), bufferEnd)};
                    ctx.setOutputArray(0, outs[0]);
                } else {
                    throw new UnsupportedOperationException("CompiledGraph: op " + sdo.getName() + " (" + df.getClass().getSimpleName()
                            + ") is not supported (control flow or tensor-array op)");
                }
                if (ctx != null) {
                    Step step = standIn(df, ctx, args, outs, outNames, free, i, lastUse, bufferEnd);
                    if (step == null) {
                        step = nativeStep(df, ctx, scalar);
                        step.kernel().run();
                    }
                    steps.add(step.withArrays(sdo.getName() + "' -> '" + String.join("', '", outNames), args, outs));
                }
                for (int o = 0; o < outs.length; o++) {
                    String name = outNames.get(o);
                    values.put(name, outs[o]);
                    int end = lastUse.getOrDefault(name, i);
                    // a view keeps the buffer it shares alive for as long as it is read
                    bufferEnd.merge(baseOf.getOrDefault(outs[o], outs[o]), end, Math::max);
                }
                // release buffers whose last reader was this op (never parameters or placeholders)
                Set<INDArray> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
                for (String a : argNames) release(base(values.get(a)), i, free, bufferEnd, pinned, seen);
                for (INDArray o : outs) release(base(o), i, free, bufferEnd, pinned, seen);
            }
            for (var e : requested.entrySet()) results.put(e.getValue(), values.get(e.getKey()));
        }

        /**
         * An {@code add_bp} whose operands and output gradient have one shape and type: both its outputs equal its
         * gradient input. Not where an output is requested (callers update requested gradients in place).
         */
        private boolean passesGradientThrough(DifferentialFunction df, INDArray[] args, List<String> outNames) {
            if (!PASS_THROUGH || !df.opName().equals("add_bp") || args.length != 3 || outNames.size() != 2) return false;
            for (String o : outNames)
                if (requested.containsKey(o) || graph.getVariable(o).dataType() != args[2].dataType()) return false;
            for (int a = 0; a < 2; a++)
                if (args[a].dataType() != args[2].dataType() || !Arrays.equals(args[a].shape(), args[2].shape())) return false;
            return true;
        }

        private INDArray base(INDArray a) {
            return a == null ? null : baseOf.getOrDefault(a, a);
        }

        /**
         * For a {@code reshape} of a c-ordered contiguous array: the same values as a view sharing its buffer, checked
         * once here against the op's own output (bit for bit); null where the op must run (other layouts, casts).
         * Never for a requested output: callers update gradients in place, and a view would write through.
         */
        private INDArray reshapeView(DifferentialFunction df, INDArray[] args, List<LongShapeDescriptor> shapes, List<String> outNames,
                                     OpContext ctx) {
            if (!RESHAPE_VIEWS || !df.opName().equals("reshape") || args.length == 0 || shapes.size() != 1 || outNames.size() != 1) return null;
            INDArray in = args[0];
            LongShapeDescriptor s = shapes.get(0);
            DataType dt = graph.getVariable(outNames.get(0)).dataType();
            if (in.isEmpty() || in.isView() || in.ordering() != 'c' || !Shape.hasDefaultStridesForShape(in) || in.dataType() != dt
                    || s.dataType() != dt || in.length() != Shape.lengthOf(s.getShape()))
                return null;
            INDArray view = in.reshape('c', false, s.getShape());
            INDArray check = Nd4j.create(dt, s.getShape(), 'c');
            ctx.setOutputArray(0, check);
            exec(df, ctx);
            boolean same = view.data().address() == in.data().address() && view.equalsWithEps(check, 0.0);
            return same ? view : null;
        }

        /**
         * The {@link StandIns} kernel for this op, null where there is none. A checked stand-in is kept only where it
         * gives the original op's values on this plan's first inputs, else the original op is. The step returned has
         * run once.
         */
        private Step standIn(DifferentialFunction df, OpContext ctx, INDArray[] args, INDArray[] outs, List<String> outNames,
                             Map<String, ArrayDeque<INDArray>> free, int i, Map<String, Integer> lastUse,
                             Map<INDArray, Integer> bufferEnd) {
            boolean[] read = new boolean[outNames.size()];
            for (int o = 0; o < read.length; o++) read[o] = lastUse.containsKey(outNames.get(o));
            StandIns.StandIn fast = StandIns.of(df, args, outs, read, like -> scratch(free, like, i, lastUse, bufferEnd));
            if (fast == null) return null;
            Step chosen = new Step(df.opName() + "*", fast.kernel());
            if (!fast.checked()) {
                chosen.kernel().run();
                return chosen;
            }
            Step original = nativeStep(df, ctx, null);
            original.kernel().run();
            INDArray[] expected = new INDArray[fast.outputs().length];
            for (int k = 0; k < expected.length; k++) expected[k] = outs[fast.outputs()[k]].dup();
            fast.kernel().run();
            for (int k = 0; k < expected.length; k++)
                if (!outs[fast.outputs()[k]].equalsWithEps(expected[k], 0.0)) {
                    original.kernel().run();
                    return original;
                }
            return chosen;
        }

        private static Step nativeStep(DifferentialFunction df, OpContext ctx, INDArray scalar) {
            if (scalar == null) return new Step(df.opName(), () -> exec(df, ctx));
            // a two-input scalar op reads its scalar from an array whose value may change between calls
            return new Step(df.opName(), () -> {
                ((ScalarOp) df).setScalar(scalar);
                exec(df, ctx);
            });
        }

        /** A buffer shaped like {@code like} that is free during op {@code i} only (returned to the pool at once). */
        private INDArray scratch(Map<String, ArrayDeque<INDArray>> free, INDArray like, int i, Map<String, Integer> lastUse,
                                 Map<INDArray, Integer> bufferEnd) {
            LongShapeDescriptor s = LongShapeDescriptor.fromShape(like.shape(), like.dataType());
            INDArray a = take(free, s, i, lastUse, "", bufferEnd);
            bufferEnd.remove(a);
            free.computeIfAbsent(poolKey(a.dataType(), a.shape()), k -> new ArrayDeque<>()).addLast(a);
            return a;
        }

        /** An output buffer: a free one of the same type and shape, else a new one. */
        private INDArray take(Map<String, ArrayDeque<INDArray>> free, LongShapeDescriptor s, int i, Map<String, Integer> lastUse,
                              String name, Map<INDArray, Integer> bufferEnd) {
            ArrayDeque<INDArray> q = free.get(poolKey(s.dataType(), s.getShape()));
            INDArray a = q == null ? null : q.poll();
            if (a == null) a = Nd4j.create(s.dataType(), s.getShape(), 'c');
            bufferEnd.put(a, lastUse.getOrDefault(name, i));
            return a;
        }

        private void release(INDArray a, int i, Map<String, ArrayDeque<INDArray>> free, Map<INDArray, Integer> bufferEnd,
                             Set<INDArray> pinned, Set<INDArray> seen) {
            if (a == null || pinned.contains(a) || !seen.add(a)) return;
            Integer end = bufferEnd.get(a);
            if (end == null || end > i) return;
            bufferEnd.remove(a);
            free.computeIfAbsent(poolKey(a.dataType(), a.shape()), k -> new ArrayDeque<>()).push(a);
        }

        private INDArray resolve(String name, Map<String, INDArray> values, Set<INDArray> pinned) {
            INDArray v = values.get(name);
            if (v != null) return v;
            VariableType type = graph.getVariable(name).getVariableType();
            if (type == VariableType.VARIABLE || type == VariableType.CONSTANT) {
                INDArray a = outer.hasVariable(name) && outer.getArrForVarName(name) != null ? outer.getArrForVarName(name) : graph.getArrForVarName(name);
                if (a == null) throw new IllegalStateException("CompiledGraph: variable '" + name + "' has no array");
                values.put(name, a);
                pinned.add(a);
                bound.add(new Bound(name, a));
                return a;
            }
            throw new IllegalStateException("CompiledGraph: no value for '" + name + "' (" + type + ")");
        }

        void execute(Map<String, INDArray> feed) {
            execute(feed, false);
        }

        /** Runs the ops; with {@code check}, stops after the first op that writes a NaN or infinity and describes it. */
        Optional<String> execute(Map<String, INDArray> feed, boolean check) {
            for (Bound b : bound) {
                INDArray now = outer.hasVariable(b.name()) && outer.getArrForVarName(b.name()) != null ? outer.getArrForVarName(b.name()) : graph.getArrForVarName(b.name());
                if (now != b.array())
                    throw new IllegalStateException("CompiledGraph: the array of variable '" + b.name() + "' was replaced; update it in place");
            }
            for (var e : phBuffers.entrySet()) e.getValue().assign(feed.get(e.getKey()));
            for (Step s : steps) {
                if (profiling) {
                    long t0 = System.nanoTime();
                    long cpu0 = THREAD_CPU.getCurrentThreadCpuTime();
                    s.kernel().run();
                    long[] c = profile.computeIfAbsent(profileByShape ? withShapes(s) : s.name(), k -> new long[3]);
                    c[0]++;
                    c[1] += System.nanoTime() - t0;
                    c[2] += THREAD_CPU.getCurrentThreadCpuTime() - cpu0;
                } else {
                    s.kernel().run();
                }
                if (check && Arrays.stream(s.outs()).anyMatch(CompiledGraph::nonFinite)) return Optional.of(describe(s));
            }
            return Optional.empty();
        }

        private static String withShapes(Step s) {
            StringBuilder b = new StringBuilder(s.name());
            for (INDArray a : s.ins()) b.append(' ').append(Arrays.toString(a.shape()).replace(" ", ""));
            return b.toString();
        }

        private static String describe(Step s) {
            StringBuilder b = new StringBuilder("op '" + s.op() + "' (" + s.name() + ") wrote a NaN or infinity; inputs:");
            for (INDArray a : s.ins())
                b.append(' ').append(Arrays.toString(a.shape())).append(nonFinite(a) ? " non-finite" : String.format(java.util.Locale.ROOT,
                        " max|x| %.3g", a.isEmpty() ? 0.0 : a.amaxNumber().doubleValue()));
            return b.toString();
        }

        Map<String, INDArray> results() {
            return java.util.Collections.unmodifiableMap(results);
        }
    }

    private static String poolKey(DataType dt, long[] shape) {
        return dt + Arrays.toString(shape);
    }

    private static void exec(DifferentialFunction df, OpContext ctx) {
        if (df instanceof CustomOp c) Nd4j.exec(c, ctx);
        else Nd4j.exec((Op) df, ctx);
    }
}
