package org.factorlab.diffusion;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class EmaTest {
    private static Map<String, INDArray> params(double w, double b) {
        var m = new LinkedHashMap<String, INDArray>();
        m.put("w", Nd4j.valueArrayOf(new long[]{2, 3}, w, DataType.DOUBLE));
        m.put("b", Nd4j.valueArrayOf(new long[]{3}, b, DataType.DOUBLE));
        return m;
    }

    @Test
    void fixedDecayFollowsTheRecurrence() {
        var p = params(1, -2);
        var ema = new Ema(0.9, false, p);
        p.get("w").assign(3);
        p.get("b").assign(0);
        double w = 1, b = -2;
        for (int i = 0; i < 5; i++) {
            ema.update(p);
            w = 0.9 * w + 0.1 * 3;
            b = 0.9 * b;
            assertEquals(0.9, ema.lastDecay());
        }
        assertEquals(w, ema.shadow().get("w").getDouble(1, 2), 1e-15);
        assertEquals(b, ema.shadow().get("b").getDouble(0), 1e-15);
        assertEquals(5, ema.numUpdates());
        assertEquals(3.0, p.get("w").getDouble(0, 0), "update leaves the parameters alone");
    }

    @Test
    void warmupUsesLitEmaNumUpdatesFormula() {
        var p = params(0, 0);
        var ema = new Ema(Ema.DEFAULT_DECAY, true, p);
        p.get("w").assign(1);
        double w = 0;
        for (int n = 1; n <= 30; n++) {
            ema.update(p);
            double d = Math.min(Ema.DEFAULT_DECAY, (1.0 + n) / (10.0 + n));
            assertEquals(d, ema.lastDecay(), 1e-15);
            w = w - (1 - d) * (w - 1);
        }
        assertEquals(2.0 / 11.0, Math.min(Ema.DEFAULT_DECAY, 2.0 / 11.0));
        assertEquals(w, ema.shadow().get("w").getDouble(0, 0), 1e-14);
        // A restored EMA continues the warm-up from its count.
        var restored = new Ema(Ema.DEFAULT_DECAY, true, ema.shadow(), ema.numUpdates());
        restored.update(p);
        ema.update(p);
        assertEquals(ema.shadow(), restored.shadow());
        assertEquals(Math.min(0.9999, 32.0 / 41.0), restored.lastDecay(), 1e-15);
    }

    @Test
    void copyToAndCopyFromRoundTrip() {
        var p = params(1, 2);
        var ema = new Ema(0.5, false, p);
        var q = params(5, 6);
        ema.update(q);
        var target = params(0, 0);
        ema.copyTo(target);
        assertEquals(3.0, target.get("w").getDouble(0, 0), 1e-15);
        assertEquals(4.0, target.get("b").getDouble(2), 1e-15);
        ema.shadow().get("w").assign(99);
        assertEquals(3.0, ema.shadow().get("w").getDouble(0, 0), "shadow() returns copies");
        ema.copyFrom(q);
        assertEquals(5.0, ema.shadow().get("w").getDouble(0, 0));
        q.get("w").assign(7);
        assertEquals(5.0, ema.shadow().get("w").getDouble(0, 0), "copyFrom copies");
    }

    @Test
    void mismatchedParametersNameTheParameter() {
        var ema = new Ema(0.9, false, params(0, 0));
        var missing = params(0, 0);
        missing.remove("b");
        var e = assertThrows(IllegalArgumentException.class, () -> ema.update(missing));
        assertTrue(e.getMessage().contains("'b'"), e.getMessage());
        var wrong = params(0, 0);
        wrong.put("b", Nd4j.zeros(DataType.DOUBLE, 4));
        e = assertThrows(IllegalArgumentException.class, () -> ema.copyTo(wrong));
        assertTrue(e.getMessage().contains("'b'") && e.getMessage().contains("[4]"), e.getMessage());
        var extra = params(0, 0);
        extra.put("c", Nd4j.zeros(DataType.DOUBLE, 1));
        e = assertThrows(IllegalArgumentException.class, () -> ema.update(extra));
        assertTrue(e.getMessage().contains("'c'"), e.getMessage());
        assertThrows(IllegalArgumentException.class, () -> new Ema(1.5, false, params(0, 0)));
    }

    /** Float parameters take a Java loop; it must give the ND4J expression's values bit for bit, views included. */
    @Test
    void floatPathGivesTheNd4jExpressionsValues() {
        Nd4j.getRandom().setSeed(7);
        var p = new LinkedHashMap<String, INDArray>();
        p.put("w", Nd4j.randn(DataType.FLOAT, 33, 17));
        p.put("b", Nd4j.randn(DataType.FLOAT, 5));
        INDArray big = Nd4j.randn(DataType.FLOAT, 4, 6);
        p.put("view", big.get(org.nd4j.linalg.indexing.NDArrayIndex.interval(1, 3), org.nd4j.linalg.indexing.NDArrayIndex.all()));
        var ema = new Ema(0.999, true, p);
        var expected = new LinkedHashMap<String, INDArray>();
        for (var e : p.entrySet()) expected.put(e.getKey(), e.getValue().dup());
        for (int step = 1; step <= 6; step++) {
            for (var e : p.entrySet()) e.getValue().addi(Nd4j.randn(DataType.FLOAT, e.getValue().shape()));
            ema.update(p);
            double oneMinus = 1 - Ema.decayAt(0.999, true, step);
            for (var e : expected.entrySet()) {
                INDArray s = e.getValue();
                s.subi(s.sub(p.get(e.getKey())).muli(oneMinus));
            }
        }
        Map<String, INDArray> shadow = ema.shadow();
        for (var e : expected.entrySet()) {
            float[] want = e.getValue().data().asFloat(), got = shadow.get(e.getKey()).dup().data().asFloat();
            assertEquals(want.length, got.length);
            for (int i = 0; i < want.length; i++)
                assertEquals(Float.floatToIntBits(want[i]), Float.floatToIntBits(got[i]), e.getKey() + "[" + i + "]");
        }
    }
}
