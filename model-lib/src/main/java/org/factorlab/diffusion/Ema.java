package org.factorlab.diffusion;

import java.nio.FloatBuffer;
import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.api.shape.Shape;

/**
 * Exponential moving average of named parameters, as LDM's LitEma:
 * {@code shadow -= (1 - d) (shadow - param)} with {@code d = decay}, or with warm-up
 * {@code d = min(decay, (1 + n) / (10 + n))} where n counts updates including this one (LitEma's
 * use_num_upates, LDM's default). The shadow starts as a copy of the parameters.
 */
public final class Ema {
    /** The official EncDiff/DisDiff decay. */
    public static final double DEFAULT_DECAY = 0.9999;

    private final double decay;
    private final boolean warmup;
    private final Map<String, INDArray> shadow = new LinkedHashMap<>();
    private long numUpdates;
    private double lastDecay = Double.NaN;
    /** Shadow then parameter values of one float array during {@link #update}. */
    private float[] scratch = new float[0];

    public Ema(double decay, boolean warmup, Map<String, INDArray> initial) {
        this(decay, warmup, initial, 0);
    }

    /** Restores an EMA (e.g. from a checkpoint) with its update count. */
    public Ema(double decay, boolean warmup, Map<String, INDArray> shadow, long numUpdates) {
        if (!(decay >= 0 && decay <= 1)) throw new IllegalArgumentException("EMA decay must lie in [0, 1], got " + decay);
        if (numUpdates < 0) throw new IllegalArgumentException("numUpdates must be >= 0, got " + numUpdates);
        this.decay = decay;
        this.warmup = warmup;
        this.numUpdates = numUpdates;
        copyFrom(shadow);
    }

    /** One EMA update towards {@code params} (same names and shapes as the shadow). */
    public void update(Map<String, INDArray> params) {
        checkKeys(params);
        numUpdates++;
        double d = decayAt(decay, warmup, numUpdates);
        lastDecay = d;
        double oneMinus = 1 - d;
        for (var e : shadow.entrySet()) {
            INDArray p = params.get(e.getKey());
            INDArray s = e.getValue();
            if (denseFloats(s) && denseFloats(p)) updateFloats(s, p, (float) oneMinus);
            else s.subi(s.sub(p.castTo(s.dataType())).muli(oneMinus));
        }
    }

    private static boolean denseFloats(INDArray a) {
        return a.dataType() == DataType.FLOAT && !a.isView() && a.ordering() == 'c' && Shape.hasDefaultStridesForShape(a);
    }

    /**
     * The same float arithmetic as the ND4J expression above, in one pass over a Java copy: three native calls and a
     * temporary array per parameter cost 17.7 ms per update for 310 arrays (2.6 M floats), this 2.4 ms.
     */
    private void updateFloats(INDArray s, INDArray p, float oneMinus) {
        int n = (int) s.length();
        if (scratch.length < 2 * n) scratch = new float[2 * n];
        FloatBuffer sb = s.data().asNioFloat(), pb = p.data().asNioFloat();
        sb.get(0, scratch, 0, n);
        pb.get(0, scratch, n, n);
        for (int i = 0; i < n; i++) scratch[i] -= (scratch[i] - scratch[n + i]) * oneMinus;
        sb.put(0, scratch, 0, n);
    }

    /** The decay of update number {@code n} (1-based): LitEma's {@code min(decay, (1 + n) / (10 + n))} with warm-up. */
    public static double decayAt(double decay, boolean warmup, long n) {
        return warmup ? Math.min(decay, (1.0 + n) / (10.0 + n)) : decay;
    }

    /**
     * The combined decay of updates {@code from + 1 .. to} towards one value: the product of their decays. Parameter
     * averaging applies the EMA once per round to the averaged parameters with this decay.
     */
    public static double decayOver(double decay, boolean warmup, long from, long to) {
        double d = 1;
        for (long n = from + 1; n <= to; n++) d *= decayAt(decay, warmup, n);
        return d;
    }

    /** Copies the shadow into {@code params} in place (e.g. to evaluate with EMA weights). */
    public void copyTo(Map<String, INDArray> params) {
        checkKeys(params);
        for (var e : shadow.entrySet()) params.get(e.getKey()).assign(e.getValue());
    }

    /** Resets the shadow to a copy of {@code params} (keeps the update count). */
    public void copyFrom(Map<String, INDArray> params) {
        shadow.clear();
        for (var e : params.entrySet()) shadow.put(e.getKey(), e.getValue().dup());
    }

    /** A copy of the shadow parameters. */
    public Map<String, INDArray> shadow() {
        var m = new LinkedHashMap<String, INDArray>();
        for (var e : shadow.entrySet()) m.put(e.getKey(), e.getValue().dup());
        return m;
    }

    public long numUpdates() {
        return numUpdates;
    }

    /** The decay the last update used (NaN before the first). */
    public double lastDecay() {
        return lastDecay;
    }

    public double decay() {
        return decay;
    }

    public boolean warmup() {
        return warmup;
    }

    private void checkKeys(Map<String, INDArray> params) {
        for (var e : shadow.entrySet()) {
            INDArray p = params.get(e.getKey());
            if (p == null) throw new IllegalArgumentException("EMA: parameter '" + e.getKey() + "' is missing");
            if (!java.util.Arrays.equals(p.shape(), e.getValue().shape()))
                throw new IllegalArgumentException("EMA: parameter '" + e.getKey() + "' has shape "
                        + java.util.Arrays.toString(p.shape()) + ", the shadow " + java.util.Arrays.toString(e.getValue().shape()));
        }
        if (params.size() != shadow.size()) {
            for (String k : params.keySet())
                if (!shadow.containsKey(k)) throw new IllegalArgumentException("EMA: unknown parameter '" + k + "'");
        }
    }
}
