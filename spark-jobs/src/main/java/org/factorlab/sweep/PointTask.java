package org.factorlab.sweep;

import java.io.IOException;
import java.io.PrintStream;
import java.io.Serializable;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.fs.FileSystem;
import org.apache.hadoop.fs.LocalFileSystem;
import org.apache.hadoop.fs.Path;
import org.apache.spark.TaskContext;
import org.factorlab.data.Batch;
import org.factorlab.evaluate.CodesFile;
import org.factorlab.metrics.CodesAndFactors;
import org.factorlab.metrics.UnitPca;
import org.factorlab.model.Families;
import org.factorlab.model.RepresentationEncoder;
import org.factorlab.spark.DataSources;
import org.factorlab.spark.GpuBinding;
import org.factorlab.spark.LocalTraining;
import org.factorlab.spark.RunDirectory;
import org.factorlab.spark.TaskThreads;
import org.factorlab.spark.WorkerData;
import org.factorlab.train.Checkpoint;
import org.factorlab.train.Losses;
import org.factorlab.train.Trainer;
import org.factorlab.train.TrainingSession;
import org.factorlab.train.TrainingState;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The Spark task of one point: trains it on this executor slot with the single-machine {@link Trainer} (bound to the
 * slot's GPU where Spark assigned one), resuming from the newest checkpoint in {@code points/<id>/}, then encodes the
 * whole data set with the trained model and writes {@code codes.npy}, {@code factors.npy} and, last,
 * {@code point.json}.
 *
 * <p>A failure that would repeat (a bad config value, a non-finite loss) is returned as a FAILED outcome and recorded in
 * point.json, so it never stops the other points; any other exception propagates, Spark retries the task
 * ({@code spark.task.maxFailures}), and the retry resumes from the newest checkpoint.
 */
record PointTask(String pointDir, String id, String model, String effectiveConfig, String data, long steps,
                 double wallSeconds, int checkpointEvery, int keepCheckpoints, int encodeBatch, Staging staging,
                 double mirrorSeconds, String fault, boolean encodeOnly) implements Serializable {
    static final String POINT_JSON = "point.json";
    static final String CONFIG = "config.yaml";
    private static final Map<String, Integer> INJECTED = new ConcurrentHashMap<>();

    /** Runs the point; returns DONE or FAILED (for good), or throws (Spark retries). */
    PointOutcome run() {
        Configuration conf = DataSources.executorConf();
        TaskContext ctx = TaskContext.get();
        TaskThreads.apply(ctx);
        GpuBinding.bind(ctx == null ? null : ctx.resourcesJMap(), System.getenv("CUDA_VISIBLE_DEVICES"), GpuBinding.Devices.ND4J);
        RunDirectory dir = new RunDirectory(pointDir, conf);
        try {
            FileSystem fs = dir.root().getFileSystem(conf);
            if (dir.exists(POINT_JSON)) {
                PointOutcome done = SweepFiles.readOutcome(dir.readText(POINT_JSON), pointDir);
                if (done.state() == PointOutcome.State.DONE) return done;
            }
            if (encodeOnly) return encodeSparkRun(dir, fs, conf);
            fs.mkdirs(dir.root());
            dir.writeText(CONFIG, effectiveConfig);
            boolean direct = staging == Staging.DIRECT || (staging == Staging.AUTO && fs instanceof LocalFileSystem);
            java.nio.file.Path local = direct ? java.nio.file.Path.of(fs.makeQualified(dir.root()).toUri())
                    : java.nio.file.Path.of(System.getProperty("java.io.tmpdir"), "factorlab-sweep",
                    org.factorlab.provenance.Digests.sha256Hex(dir.root().toString()).substring(0, 16), id);
            StagedRunDir staged = direct ? null : new StagedRunDir(fs, dir.root(), local);
            if (staged != null) staged.download();
            java.nio.file.Files.createDirectories(local);
            WorkerData dataset = DataSources.open(data, conf);
            long t0 = System.nanoTime();
            Trainer.Result r;
            try (PrintStream log = new PrintStream(new java.io.FileOutputStream(local.resolve(StagedRunDir.TRAIN_LOG).toFile(), true), true,
                    StandardCharsets.UTF_8); AutoCloseable mirror = staged == null ? () -> { } : staged.mirrorEvery(mirrorSeconds)) {
                var plan = new LocalTraining.Plan(model, effectiveConfig, local, steps > 0 ? steps : Long.MAX_VALUE / 4, 50,
                        checkpointEvery, keepCheckpoints, wallSeconds);
                r = LocalTraining.train(plan, dataset, conf, log, s -> new CheckedSession(s, id, fault, pointDir));
            }
            double seconds = (System.nanoTime() - t0) / 1e9;
            java.nio.file.Path ckpt = Trainer.newestCheckpoint(local).orElseThrow(() -> new IllegalStateException(pointDir + ": training left no checkpoint"));
            Checkpoint c;
            try (var in = java.nio.file.Files.newInputStream(ckpt)) {
                c = Checkpoint.read(in, ckpt.toString());
            }
            CodesFile.write(fs, dir.root(), encode(c, dataset, ckpt.toString()));
            var out = new PointOutcome(id, PointOutcome.State.DONE, c.state().step(), seconds,
                    Double.isFinite(r.lastLoss()) ? r.lastLoss() : null, null);
            dir.writeText(POINT_JSON, SweepFiles.outcomeJson(out));
            return out;
        } catch (IllegalArgumentException | PointDivergedException e) {
            var out = PointOutcome.failed(id, e.getMessage() == null ? e.toString() : e.getMessage());
            dir.writeText(POINT_JSON, SweepFiles.outcomeJson(out));
            return out;
        } catch (IOException e) {
            throw new UncheckedIOException(pointDir + ": " + e.getMessage(), e);
        } catch (RuntimeException e) {
            throw e;
        } catch (Exception e) {
            throw new IllegalStateException(pointDir + ": " + e.getMessage(), e);
        }
    }

    /** This point as trained by the parameter-averaging job: its codes from the newest checkpoint (point.json is the driver's). */
    PointTask asEncodeOnly() {
        return new PointTask(pointDir, id, model, effectiveConfig, data, steps, wallSeconds, checkpointEvery, keepCheckpoints, encodeBatch,
                staging, mirrorSeconds, "", true);
    }

    private PointOutcome encodeSparkRun(RunDirectory dir, FileSystem fs, Configuration conf) throws IOException {
        Checkpoint c = org.factorlab.evaluate.ModelEncoding.load(pointDir, conf).checkpoint();
        CodesFile.write(fs, dir.root(), encode(c, DataSources.open(data, conf), pointDir));
        return new PointOutcome(id, PointOutcome.State.DONE, c.state().step(), 0, null, null);
    }

    private CodesAndFactors encode(Checkpoint c, WorkerData dataset, String name) {
        RepresentationEncoder enc = Families.encoder(c, name);
        List<double[]> codes = new ArrayList<>();
        List<int[]> factors = new ArrayList<>();
        for (Iterator<Batch> it = dataset.scan(encodeBatch); it.hasNext(); ) {
            Batch b = it.next();
            double[][] z = enc.encode(b.images()).castTo(DataType.DOUBLE).toDoubleMatrix();
            for (int i = 0; i < z.length; i++) {
                codes.add(z[i]);
                factors.add(b.factors()[i]);
            }
        }
        CodesAndFactors cf = new CodesAndFactors(codes.toArray(double[][]::new), factors.toArray(int[][]::new), dataset.spec().factorNames());
        return enc.unitSize() > 1 ? UnitPca.reduce(cf, enc.unitSize()) : cf;
    }

    /** A non-finite loss: the point has diverged and fails for good. */
    static final class PointDivergedException extends RuntimeException {
        PointDivergedException(String message) {
            super(message);
        }
    }

    /**
     * Stops a point whose loss is not finite, naming the step and each loss term; and, for tests, throws once at a
     * given step ({@code spark.factorlab.fault.failPointOnce=ID@STEP}), as a crash would.
     */
    private static final class CheckedSession implements TrainingSession {
        private final TrainingSession s;
        private final String id;
        private final long failAt;
        private final int failTimes;
        private final String key;
        private long step;

        CheckedSession(TrainingSession s, String id, String fault, String key) {
            this.s = s;
            this.id = id;
            String[] f = fault.isEmpty() ? new String[]{"-1", "0"} : (fault.contains("x") ? fault : fault + "x1").split("x");
            this.failAt = Long.parseLong(f[0]);
            this.failTimes = Integer.parseInt(f[1]);
            this.key = key + "@" + fault;
        }

        @Override
        public Losses step(Batch batch) {
            if (failAt >= 0 && step == failAt && INJECTED.merge(key, 1, Integer::sum) <= failTimes)
                throw new org.factorlab.spark.FaultInjection.InjectedFault("injected failure of point " + id + " at step " + step);
            Losses l = s.step(batch);
            for (Map.Entry<String, Double> e : l.values().entrySet())
                if (!Double.isFinite(e.getValue()))
                    throw new PointDivergedException("point " + id + " diverged: loss '" + e.getKey() + "' is " + e.getValue() + " at step " + (step + 1)
                            + " (losses " + l.values() + ")");
            step++;
            return l;
        }

        @Override
        public List<String> lossNames() {
            return s.lossNames();
        }

        @Override
        public TrainingState state() {
            return s.state();
        }

        @Override
        public void load(TrainingState state) {
            s.load(state);
            step = state.step();
        }

        @Override
        public Map<String, org.nd4j.linalg.api.ndarray.INDArray> parameters() {
            return s.parameters();
        }

        @Override
        public double lastGradientNorm() {
            return s.lastGradientNorm();
        }

        @Override
        public void close() {
            s.close();
        }
    }
}
