package org.factorlab.spark;

import com.esotericsoftware.kryo.Kryo;
import com.esotericsoftware.kryo.Serializer;
import com.esotericsoftware.kryo.io.Input;
import com.esotericsoftware.kryo.io.Output;
import java.util.LinkedHashMap;
import java.util.Map;
import org.apache.spark.serializer.KryoRegistrator;
import org.factorlab.train.TrainingState;
import org.nd4j.kryo.Nd4jRegistrator;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Registers everything the training job ships with Kryo ({@code spark.kryo.registrationRequired=true}): DL4J's
 * {@link Nd4jRegistrator} (INDArray, AtomicDouble, JDK wrapper collections) with the INDArray class then given the
 * bulk {@link ArraySerializer}, and explicit serializers for the job's own types (records have final
 * fields, which Kryo 4's field serializer cannot set).
 */
public final class FactorlabKryoRegistrator implements KryoRegistrator {
    @Override
    public void registerClasses(Kryo kryo) {
        new Nd4jRegistrator().registerClasses(kryo);
        // Same class, faster serializer: bulk buffer copies instead of Nd4jSerializer's element-by-element stream.
        kryo.register(Nd4j.getBackend().getNDArrayClass(), new ArraySerializer());
        kryo.register(TrainingState.class, new StateSerializer());
        kryo.register(RoundSum.class, new RoundSumSerializer());
        kryo.register(ParentBytes.class, new ParentBytesSerializer());
    }

    static final class ParentBytesSerializer extends Serializer<ParentBytes> {
        @Override
        public void write(Kryo kryo, Output out, ParentBytes p) {
            out.writeInt(p.refs().size(), true);
            for (var r : p.refs()) {
                out.writeString(r.key());
                out.writeString(r.uri());
                out.writeString(r.family());
                byte[] b = p.bytesByKey().get(r.key());
                out.writeInt(b.length, true);
                out.writeBytes(b);
            }
        }

        @Override
        public ParentBytes read(Kryo kryo, Input in, Class<ParentBytes> type) {
            int n = in.readInt(true);
            var refs = new java.util.ArrayList<org.factorlab.model.ParentRef>();
            var bytes = new LinkedHashMap<String, byte[]>();
            for (int i = 0; i < n; i++) {
                var r = new org.factorlab.model.ParentRef(in.readString(), in.readString(), in.readString());
                refs.add(r);
                bytes.put(r.key(), in.readBytes(in.readInt(true)));
            }
            return new ParentBytes(refs, bytes);
        }
    }

    private static void writeArrays(Kryo kryo, Output out, Map<String, INDArray> arrays) {
        out.writeInt(arrays.size(), true);
        for (var e : arrays.entrySet()) {
            out.writeString(e.getKey());
            kryo.writeObject(out, e.getValue());
        }
    }

    private static Map<String, INDArray> readArrays(Kryo kryo, Input in) {
        int n = in.readInt(true);
        var m = new LinkedHashMap<String, INDArray>();
        Class<? extends INDArray> type = Nd4j.getBackend().getNDArrayClass();
        for (int i = 0; i < n; i++) {
            String name = in.readString();
            m.put(name, kryo.readObject(in, type));
        }
        return m;
    }

    static final class StateSerializer extends Serializer<TrainingState> {
        @Override
        public void write(Kryo kryo, Output out, TrainingState s) {
            out.writeLong(s.step());
            writeArrays(kryo, out, s.parameters());
            writeArrays(kryo, out, s.updaterState());
        }

        @Override
        public TrainingState read(Kryo kryo, Input in, Class<TrainingState> type) {
            long step = in.readLong();
            return new TrainingState(step, readArrays(kryo, in), readArrays(kryo, in));
        }
    }

    static final class RoundSumSerializer extends Serializer<RoundSum> {
        @Override
        public void write(Kryo kryo, Output out, RoundSum s) {
            out.writeInt(s.workers);
            if (s.workers == 0) return;
            out.writeLong(s.step); // the states travel through the StateExchange, not with the result
            out.writeDouble(s.lossSum);
            out.writeInt(s.termSums.size());
            for (var e : s.termSums.entrySet()) {
                out.writeString(e.getKey());
                out.writeDouble(e.getValue());
            }
            out.writeLong(s.steps);
            out.writeLong(s.images);
            out.writeLong(s.maxTrainNanos);
            out.writeLong(s.stepNanos);
            out.writeLong(s.dataWaitNanos);
            out.writeDouble(s.gradNormSum);
            out.writeLong(s.gradNormCount);
            out.writeInt(s.sessionsCreated);
            out.writeLong(s.fetchNanos);
            out.writeLong(s.sessionNanos);
            out.writeLong(s.loadNanos);
            out.writeLong(s.collectNanos);
            out.writeLong(s.maxTaskNanos);
            out.writeInt(s.workerLoss.size());
            for (var e : s.workerLoss.entrySet()) {
                out.writeInt(e.getKey());
                out.writeDouble(e.getValue());
            }
        }

        @Override
        public RoundSum read(Kryo kryo, Input in, Class<RoundSum> type) {
            RoundSum s = RoundSum.empty();
            s.workers = in.readInt();
            if (s.workers == 0) return s;
            s.step = in.readLong();
            s.lossSum = in.readDouble();
            int terms = in.readInt();
            for (int i = 0; i < terms; i++) s.termSums.put(in.readString(), in.readDouble());
            s.steps = in.readLong();
            s.images = in.readLong();
            s.maxTrainNanos = in.readLong();
            s.stepNanos = in.readLong();
            s.dataWaitNanos = in.readLong();
            s.gradNormSum = in.readDouble();
            s.gradNormCount = in.readLong();
            s.sessionsCreated = in.readInt();
            s.fetchNanos = in.readLong();
            s.sessionNanos = in.readLong();
            s.loadNanos = in.readLong();
            s.collectNanos = in.readLong();
            s.maxTaskNanos = in.readLong();
            int n = in.readInt();
            for (int i = 0; i < n; i++) s.workerLoss.put(in.readInt(), in.readDouble());
            return s;
        }
    }
}
