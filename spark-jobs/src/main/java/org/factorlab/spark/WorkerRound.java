package org.factorlab.spark;

import java.util.Iterator;
import java.util.List;
import org.apache.spark.TaskContext;
import org.apache.spark.api.java.function.Function2;
import org.apache.spark.broadcast.Broadcast;
import org.factorlab.data.Batch;
import org.factorlab.data.BatchSource;
import org.factorlab.train.Seeds;
import org.factorlab.train.TrainingSession;
import org.factorlab.train.TrainingState;

/**
 * One worker's part of a round, run as the Spark task of partition {@code worker}: bind the task's GPU (if any),
 * borrow the executor's cached session, load the round's state from the driver's {@link StateExchange}, train
 * {@code averagingFrequency} minibatches of the worker's own partition in an order derived from (seed, round, worker),
 * upload the new state to the exchange and return the round's statistics.
 */
final class WorkerRound implements Function2<Integer, Iterator<Integer>, Iterator<RoundSum>> {
    private static final long serialVersionUID = 1L;
    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(WorkerRound.class);
    /** Devices whose binding this executor JVM has logged (once each: how to check GPU use in executor logs). */
    private static final java.util.Set<Integer> LOGGED_DEVICE = java.util.concurrent.ConcurrentHashMap.newKeySet();

    private final String model;
    private final String configText;
    private final long seed;
    private final WorkerData data;
    private final int workers;
    private final int batchSize;
    private final int averagingFrequency;
    private final StateExchange.Address exchange;
    private final int round;
    private final String runDir;
    private final String failTaskOnce;
    private final String killExecutorOnce;
    private final Broadcast<ParentBytes> parents;
    private final String parentsFingerprint;

    WorkerRound(TrainJobParams p, WorkerData data, int workers, StateExchange.Address exchange, int round, String failTaskOnce,
                Broadcast<ParentBytes> parents, String parentsFingerprint) {
        this.parents = parents;
        this.parentsFingerprint = parentsFingerprint;
        this.runDir = p.runDir();
        this.failTaskOnce = failTaskOnce;
        this.killExecutorOnce = FaultInjection.killExecutorOnce(p.sparkConf(), new org.apache.spark.SparkConf(false));
        this.model = p.model();
        this.configText = p.configText();
        this.seed = p.seed();
        this.data = data;
        this.workers = workers;
        this.batchSize = p.batchSizePerWorker();
        this.averagingFrequency = p.averagingFrequency();
        this.exchange = exchange;
        this.round = round;
    }

    /** The seed of worker {@code worker}'s data order in round {@code round}: the same on every attempt and resume. */
    static long dataSeed(long seed, int round, int worker) {
        return Seeds.mix(Seeds.mix(seed ^ 0x6A09E667F3BCC909L) + round * 0x9E3779B97F4A7C15L + worker * 0xBF58476D1CE4E5B9L);
    }


    @Override
    public Iterator<RoundSum> call(Integer worker, Iterator<Integer> ignored) {
        TaskContext ctx = TaskContext.get();
        TaskThreads.apply(ctx);
        var binding = GpuBinding.bind(ctx == null ? null : ctx.resourcesJMap(), System.getenv("CUDA_VISIBLE_DEVICES"),
                GpuBinding.Devices.ND4J);
        if (LOGGED_DEVICE.add(binding.ordinal()))
            LOG.info("worker tasks on this executor: {}; ND4J backend {}", binding.description(),
                    org.nd4j.linalg.factory.Nd4j.getBackend().getClass().getSimpleName());
        long entered = System.nanoTime();
        RoundInput in = StateExchange.fetch(exchange, round, worker);
        long fetched = System.nanoTime();
        // the parents' SHA-256 are part of the key: a cached session never keeps another job's frozen parameters
        var lease = SessionPool.borrow(SessionPool.key(model, configText + parentsFingerprint, seed, binding.ordinal()), configText,
                parents.value());
        long borrowed = System.nanoTime();
        boolean ok = false;
        try {
            RoundSum result = train(lease.session(), worker, in, lease.created());
            result.fetchNanos = fetched - entered;
            result.sessionNanos = borrowed - fetched;
            result.maxTaskNanos = System.nanoTime() - entered;
            ok = true;
            return List.of(result).iterator();
        } finally {
            if (ok) SessionPool.giveBack(lease);
            else SessionPool.discard(lease);
        }
    }

    private RoundSum train(TrainingSession session, int worker, RoundInput in, boolean created) {
        long loading = System.nanoTime();
        session.load(in.state());
        long start = System.nanoTime(), stepNanos = 0, waitNanos = 0, images = 0;
        double lossSum = 0, gradSum = 0;
        java.util.Map<String, Double> termSums = new java.util.LinkedHashMap<>();
        long gradCount = 0;
        try (BatchSource source = data.open(worker, workers, batchSize, dataSeed(seed, in.round(), worker))) {
            for (int i = 0; i < averagingFrequency; i++) {
                if (i == averagingFrequency / 2) {
                    FaultInjection.maybeFailTask(failTaskOnce, runDir, in.round(), worker);
                    FaultInjection.maybeKillExecutor(killExecutorOnce, runDir, in.round(), worker);
                }
                long t0 = System.nanoTime();
                Batch batch = source.next();
                long t1 = System.nanoTime();
                org.factorlab.train.Losses losses = session.step(batch);
                stepNanos += System.nanoTime() - t1;
                waitNanos += t1 - t0;
                lossSum += losses.total();
                for (var e : losses.values().entrySet()) termSums.merge(e.getKey(), e.getValue(), Double::sum);
                images += batch.size();
                double g = session.lastGradientNorm();
                if (Double.isFinite(g)) { gradSum += g; gradCount++; }
            }
        }
        long trained = System.nanoTime();
        TrainingState out = session.state();
        StateExchange.upload(exchange, in.round(), worker, out.step(), FlatArrays.pack(out.parameters()), FlatArrays.pack(out.updaterState()));
        RoundSum sum = RoundSum.ofWorker(worker, out.step(), lossSum, termSums, averagingFrequency, images, trained - start,
                stepNanos, waitNanos, gradSum, gradCount, created);
        sum.loadNanos = start - loading;
        sum.collectNanos = System.nanoTime() - trained;
        return sum;
    }
}
