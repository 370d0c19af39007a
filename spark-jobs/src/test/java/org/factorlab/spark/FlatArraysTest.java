package org.factorlab.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;

/** The flat form of a state: exact round trips of every layout, and sums and divisions equal to INDArray's own. */
class FlatArraysTest {
    private static Map<String, INDArray> arrays(long seed) {
        Nd4j.getRandom().setSeed(seed);
        INDArray m = Nd4j.rand(DataType.FLOAT, 5, 7);
        var a = new LinkedHashMap<String, INDArray>();
        a.put("matrix", m);
        a.put("view", m.get(NDArrayIndex.interval(1, 4), NDArrayIndex.interval(2, 6)));
        a.put("fortran", Nd4j.rand(DataType.FLOAT, 3, 4).dup('f'));
        a.put("double", Nd4j.rand(DataType.DOUBLE, 3, 2, 2));
        a.put("scalar", Nd4j.scalar(2.5f));
        a.put("empty", Nd4j.create(DataType.FLOAT, 0, 3));
        return a;
    }

    @Test
    void packUnpackIsExactForEveryLayout() {
        Map<String, INDArray> a = arrays(1);
        Map<String, INDArray> back = FlatArrays.pack(a).unpack();
        assertEquals(List.copyOf(a.keySet()), List.copyOf(back.keySet()));
        for (var e : a.entrySet()) {
            INDArray got = back.get(e.getKey());
            assertEquals(e.getValue().dataType(), got.dataType(), e.getKey());
            assertArrayEquals(e.getValue().shape(), got.shape(), e.getKey());
            assertEquals(e.getValue(), got, e.getKey());
        }
    }

    @Test
    void sumAndDivisionEqualInPlaceNdArrayArithmetic() {
        Map<String, INDArray> a = arrays(2), b = arrays(3), c = arrays(4);
        FlatArrays sum = FlatArrays.pack(a);
        sum.addInPlace(FlatArrays.pack(b), "parameter");
        sum.addInPlace(FlatArrays.pack(c), "parameter");
        sum.divideInPlace(3, "parameter");
        Map<String, INDArray> got = sum.unpack();
        for (String k : a.keySet()) {
            if (a.get(k).isEmpty()) { // ND4J refuses arithmetic on empty arrays; the flat form keeps them empty
                assertArrayEquals(a.get(k).shape(), got.get(k).shape(), k);
                continue;
            }
            INDArray expected = a.get(k).dup().addi(b.get(k)).addi(c.get(k)).divi(3);
            assertEquals(expected, got.get(k), k); // bit for bit: the same float32/float64 operations in the same order
        }
    }

    @Test
    void differentLayoutsRefuseToAdd() {
        Map<String, INDArray> a = arrays(5);
        var other = new LinkedHashMap<>(a);
        other.put("matrix", Nd4j.rand(DataType.FLOAT, 7, 5));
        var e = assertThrows(IllegalStateException.class, () -> FlatArrays.pack(a).addInPlace(FlatArrays.pack(other), "parameter"));
        assertEquals(true, e.getMessage().contains("'matrix'"), e.getMessage());
    }
}
