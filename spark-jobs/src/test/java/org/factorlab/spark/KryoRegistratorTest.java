package org.factorlab.spark;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import org.apache.spark.SparkConf;
import org.apache.spark.serializer.KryoSerializer;
import org.apache.spark.serializer.SerializerInstance;
import org.factorlab.train.TrainingState;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import scala.reflect.ClassTag;
import scala.reflect.ClassTag$;

/** Everything the job ships round-trips through Spark's Kryo with registration required. */
class KryoRegistratorTest {
    private final SparkConf conf = TrainJob.sparkConf(SparkTests.params(Path.of("unused"), "sgd", 0.1).build());
    private final SerializerInstance kryo = new KryoSerializer(conf).newInstance();

    private <T> T roundTrip(T value, Class<T> type) {
        ClassTag<T> tag = ClassTag$.MODULE$.apply(type);
        return kryo.deserialize(kryo.serialize(value, tag), tag);
    }

    private static void assertSameArray(INDArray expected, INDArray actual) {
        assertEquals(expected.dataType(), actual.dataType());
        assertArrayEquals(expected.shape(), actual.shape());
        assertEquals(expected, actual);
    }

    @Test
    void arraysOfEveryLayoutRoundTrip() {
        INDArray m = Nd4j.rand(DataType.FLOAT, 5, 7);
        var arrays = new LinkedHashMap<String, INDArray>();
        arrays.put("matrix", m);
        arrays.put("view", m.get(NDArrayIndex.interval(1, 4), NDArrayIndex.interval(2, 6)));
        arrays.put("fortran", m.dup('f'));
        arrays.put("double", Nd4j.rand(DataType.DOUBLE, 3, 2, 2));
        arrays.put("int", Nd4j.createFromArray(1, -2, 3));
        arrays.put("scalar", Nd4j.scalar(2.5f));
        arrays.put("empty", Nd4j.create(DataType.FLOAT, 0, 3));
        for (var e : arrays.entrySet()) assertSameArray(e.getValue(), roundTrip(e.getValue(), INDArray.class));
    }

    @Test
    void jobTypesRoundTrip() {
        var p = new LinkedHashMap<String, INDArray>();
        p.put("w", Nd4j.rand(DataType.FLOAT, 4, 3));
        var u = new LinkedHashMap<String, INDArray>();
        u.put("w/m", Nd4j.rand(DataType.FLOAT, 4, 3));
        TrainingState s = new TrainingState(12, p, u);
        TrainingState st = roundTrip(s, TrainingState.class);
        assertEquals(12, st.step());
        assertSameArray(p.get("w"), st.parameters().get("w"));
        assertSameArray(u.get("w/m"), st.updaterState().get("w/m"));

        RoundSum sum = RoundSum.merge(RoundSum.ofWorker(0, 12, 1.5, java.util.Map.of("total", 1.5, "kl", 0.25), 2, 8, 10, 5, 1, 0.5, 2, true),
                RoundSum.ofWorker(1, 12, 2.5, java.util.Map.of("total", 2.5, "kl", 0.5), 2, 8, 20, 6, 2, 0.7, 2, false));
        RoundSum back = roundTrip(sum, RoundSum.class);
        assertEquals(2, back.workers);
        assertEquals(4.0, back.lossSum);
        assertEquals(java.util.Map.of("total", 4.0, "kl", 0.75), back.termSums, "named loss terms survive Kryo and are summed");
        assertEquals(20, back.maxTrainNanos);
        assertEquals(1, back.sessionsCreated);
        assertEquals(sum.workerLoss, back.workerLoss);
        assertEquals(12, back.step);
        assertEquals(null, back.params, "states travel through the StateExchange, not with the result");
        assertEquals(0, roundTrip(RoundSum.empty(), RoundSum.class).workers);
    }

    @Test
    void unregisteredClassesAreRefused() {
        class NotRegistered {
        }
        assertThrows(IllegalArgumentException.class, () -> roundTrip(new NotRegistered(), NotRegistered.class));
    }
}
