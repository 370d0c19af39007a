package org.factorlab.train;

import static org.junit.jupiter.api.Assertions.*;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.Map;
import org.factorlab.provenance.Provenance;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

class CheckpointTest {
    @Test
    void roundTripKeepsEveryArrayAndProvenance() throws IOException {
        Nd4j.getRandom().setSeed(7);
        INDArray w = Nd4j.rand(DataType.FLOAT, 3, 4);
        INDArray b = Nd4j.rand(DataType.DOUBLE, 5);
        INDArray m = Nd4j.rand(DataType.FLOAT, 3, 4);
        var prov = Provenance.of("model: encdiff\nlr: 1e-4\n", 42, "abc123");
        var ckpt = new Checkpoint("encdiff", new TrainingState(17, Map.of("w", w, "b", b), Map.of("w.m", m)),
                Map.of("w", w.mul(2)), prov);
        Checkpoint back = Checkpoint.read(new ByteArrayInputStream(ckpt.toBytes()), "test.ckpt");
        assertEquals("encdiff", back.model());
        assertEquals(17, back.state().step());
        assertEquals(w, back.state().parameters().get("w"));
        assertEquals(b, back.state().parameters().get("b"));
        assertEquals(DataType.DOUBLE, back.state().parameters().get("b").dataType());
        assertEquals(m, back.state().updaterState().get("w.m"));
        assertEquals(w.mul(2), back.inferenceParameters().get("w"));
        assertEquals(prov, back.provenance());
    }

    @Test
    void corruptBytesNameTheFile() throws IOException {
        var ckpt = new Checkpoint("tiny", new TrainingState(1, Map.of("w", Nd4j.ones(2)), Map.of()), Map.of(),
                Provenance.of("x", 1, "none"));
        byte[] bytes = ckpt.toBytes();
        byte[] cut = Arrays.copyOf(bytes, bytes.length / 3);
        var e = assertThrows(IOException.class, () -> Checkpoint.read(new ByteArrayInputStream(cut), "runs/a/ckpt-1.zip"));
        assertTrue(e.getMessage().contains("runs/a/ckpt-1.zip"), e.getMessage());
    }
}
