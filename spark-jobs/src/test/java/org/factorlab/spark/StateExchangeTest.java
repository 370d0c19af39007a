package org.factorlab.spark;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.LinkedHashMap;
import java.util.Map;
import org.factorlab.train.TrainingState;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** The driver's state exchange: round inputs out, worker states in, over TCP, keyed by round and worker. */
class StateExchangeTest {
    private static Map<String, INDArray> arrays(double scale) {
        var m = new LinkedHashMap<String, INDArray>();
        m.put("w", Nd4j.linspace(1, 12, 12, DataType.FLOAT).reshape(4, 3).muli(scale));
        m.put("b", Nd4j.linspace(-1, 1, 5, DataType.DOUBLE).muli(scale));
        return m;
    }

    @Test
    void inputsGoOutAndStatesComeBackSummedInWorkerOrder() {
        try (StateExchange ex = new StateExchange("127.0.0.1", "127.0.0.1", 0)) {
            ex.publish(new RoundInput(4, new TrainingState(20, arrays(1), arrays(0.5))));
            RoundInput in = StateExchange.fetch(ex.address(), 4, 1);
            assertEquals(4, in.round());
            assertEquals(20, in.step());
            assertEquals(arrays(1).get("w"), in.state().parameters().get("w"));
            assertEquals(arrays(0.5).get("b"), in.state().updaterState().get("b"));

            for (int w = 0; w < 3; w++)
                StateExchange.upload(ex.address(), 4, w, 25, FlatArrays.pack(arrays(w + 1)), FlatArrays.pack(arrays(2 * (w + 1))));
            // a retried attempt of worker 1 uploads again: the same key, its state replaces the first
            StateExchange.upload(ex.address(), 4, 1, 25, FlatArrays.pack(arrays(2)), FlatArrays.pack(arrays(4)));
            RoundSum sum = RoundSum.ofWorker(0, 25, 1, Map.of(), 1, 1, 1, 1, 0, 0, 0, false);
            sum.workers = 3;
            sum.attach(ex.take(4, 3));
            TrainingState avg = sum.average();
            assertEquals(arrays(2).get("w"), avg.parameters().get("w"), "(1 + 2 + 3) / 3");
            assertEquals(arrays(4).get("b"), avg.updaterState().get("b"));
            assertThrows(IllegalStateException.class, () -> ex.take(4, 3), "taken states are gone");
        }
    }

    @Test
    void aWrongRoundAMissingUploadAndAWrongTokenAreRefused() {
        try (StateExchange ex = new StateExchange("127.0.0.1", "127.0.0.1", 0)) {
            ex.publish(new RoundInput(2, new TrainingState(10, arrays(1), arrays(1))));
            var e = assertThrows(IllegalStateException.class, () -> StateExchange.fetch(ex.address(), 3, 0));
            assertTrue(e.getMessage().contains("serves round 3, not round 4"), e.getMessage());

            StateExchange.upload(ex.address(), 2, 0, 15, FlatArrays.pack(arrays(1)), FlatArrays.pack(arrays(1)));
            var missing = assertThrows(IllegalStateException.class, () -> ex.take(2, 2));
            assertTrue(missing.getMessage().contains("no state uploaded by worker(s) 1"), missing.getMessage());

            var forged = new StateExchange.Address("127.0.0.1", ex.address().port(), "not-the-token");
            var refused = assertThrows(IllegalStateException.class, () -> StateExchange.fetch(forged, 2, 0));
            assertTrue(refused.getMessage().contains("could not fetch"), refused.getMessage());
        }
    }

    @Test
    void aStateAtAnotherStepIsRefused() {
        try (StateExchange ex = new StateExchange("127.0.0.1", "127.0.0.1", 0)) {
            StateExchange.upload(ex.address(), 0, 0, 7, FlatArrays.pack(arrays(1)), FlatArrays.pack(arrays(1)));
            RoundSum sum = RoundSum.ofWorker(0, 5, 1, Map.of(), 1, 1, 1, 1, 0, 0, 0, false);
            var e = assertThrows(IllegalStateException.class, () -> sum.attach(ex.take(0, 1)));
            assertTrue(e.getMessage().contains("step 7"), e.getMessage());
        }
    }
}
