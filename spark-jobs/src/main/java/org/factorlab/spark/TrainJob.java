package org.factorlab.spark;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.IntStream;
import org.apache.hadoop.conf.Configuration;
import org.apache.spark.SparkConf;
import org.apache.spark.SparkContext;
import org.apache.spark.api.java.JavaRDD;
import org.apache.spark.api.java.JavaSparkContext;
import org.apache.spark.broadcast.Broadcast;
import org.factorlab.provenance.Provenance;
import org.factorlab.train.Checkpoint;
import org.factorlab.model.Families;
import org.factorlab.model.Parents;
import org.factorlab.train.TrainingSession;
import org.factorlab.train.TrainingState;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import picocli.CommandLine;

/**
 * Distributed training with synchronous parameter averaging (docs/deploy.md), for any model a
 * {@code ModelFamily} registers. Each round the driver publishes the {@link TrainingState} (parameters and
 * updater state) on its {@link StateExchange}; each of {@code workers} tasks rebuilds (or reuses) the session,
 * downloads and loads the state, trains {@code averagingFrequency} minibatches of its own equal-size partition, uploads
 * its state and returns its statistics (treeAggregate sums them); the driver sums the states in worker order and
 * divides, keeps the EMA, logs, and checkpoints into the run directory.
 *
 * <p>Use it as {@code factorlab train --spark ...}, as a spark-submit main class with the same options, or from
 * code with {@link #run(TrainJobParams)} / {@link #run(JavaSparkContext, TrainJobParams)}.
 */
public final class TrainJob {
    private static final Logger LOG = LoggerFactory.getLogger(TrainJob.class);
    private static final Logger PROGRESS = LoggerFactory.getLogger("org.factorlab.progress");
    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private TrainJob() {
    }

    /** spark-submit entry point: the options of {@code factorlab train --spark} (see {@link TrainOptions}). */
    public static void main(String[] args) {
        var cmd = new CommandLine(new SubmitCommand());
        cmd.setExecutionExceptionHandler((ex, c, parsed) -> {
            LOG.error("training failed", ex);
            c.getErr().println("error: " + ex.getMessage());
            return 1;
        });
        int rc = cmd.execute(args);
        if (rc != 0) System.exit(rc);
    }

    @CommandLine.Command(name = "TrainJob", mixinStandardHelpOptions = true,
            description = "Parameter-averaging training on Spark (spark-submit main class).")
    static final class SubmitCommand implements Runnable {
        @CommandLine.Mixin
        TrainOptions options;

        @Override
        public void run() {
            TrainJobParams params = options.toParams(null);
            options.applyRestart(null);
            TrainResult r = TrainJob.run(params);
            System.out.println("run directory: " + r.runDir());
        }
    }

    /** The Spark settings this job needs: Kryo with registration required, and its registrator. */
    public static SparkConf sparkConf(TrainJobParams p) {
        SparkConf conf = withSerialization(new SparkConf().setAppName("factorlab train " + p.model()));
        if (p.master() != null) conf.setMaster(p.master());
        else conf.setIfMissing("spark.master", "local[*]");
        p.sparkConf().forEach(conf::set);
        return conf;
    }

    /** {@code conf} with the serialization this job needs (a context that runs it must be made with these settings). */
    public static SparkConf withSerialization(SparkConf conf) {
        return conf
                .set("spark.serializer", "org.apache.spark.serializer.KryoSerializer")
                .set("spark.kryo.registrator", FactorlabKryoRegistrator.class.getName())
                .set("spark.kryo.registrationRequired", "true")
                // Model states can be hundreds of MB: let Kryo buffers grow and results reach the driver.
                .setIfMissing("spark.kryoserializer.buffer.max", "2047m")
                .setIfMissing("spark.driver.maxResultSize", "0")
                // Float weights do not compress: LZ4 on every broadcast round input only costs time on both sides.
                .setIfMissing("spark.broadcast.compress", "false")
                // A worker's state up to 128 MB comes back inside the task's status message, not through a block
                // fetch (Spark caps this at spark.rpc.message.maxSize, 128 MB by default); larger ones still do.
                .setIfMissing("spark.task.maxDirectResultSize", "128m");
    }

    /**
     * Runs in a SparkContext created from {@link #sparkConf} (which under spark-submit carries spark-submit's
     * settings) and stopped at the end. Callers with a context of their own use {@link #run(JavaSparkContext, TrainJobParams)}.
     */
    public static TrainResult run(TrainJobParams p) {
        SparkContext sc = new SparkContext(sparkConf(p));
        try {
            return run(new JavaSparkContext(sc), p);
        } finally {
            sc.stop();
        }
    }

    public static TrainResult run(JavaSparkContext sc, TrainJobParams p) {
        checkSerializer(sc.getConf());
        Configuration hconf = sc.hadoopConfiguration();
        WorkerData data = DataSources.open(p.data(), hconf);
        int workers = p.workers() > 0 ? p.workers() : sc.defaultParallelism();
        if (data.rows() < workers)
            throw new IllegalArgumentException(data.name() + " has " + data.rows() + " rows, fewer than the " + workers + " workers");
        RunDirectory dir = new RunDirectory(p.runDir(), hconf);
        // parents are read and checked once on the driver, then broadcast once for the whole job
        ParentBytes parentBytes = ParentBytes.read(Families.get(p.model()).parents(p.configText()), hconf);
        Parents parents = parentBytes.parents();
        Families.get(p.model()).checkData(p.configText(), data.spec(), parents, data.name());
        Start start = start(dir, p, data, workers, parents);
        Broadcast<ParentBytes> shipped = sc.broadcast(parentBytes);
        try (TrainMetrics metrics = new TrainMetrics(); StateExchange exchange = StateExchange.forDriver(sc.getConf())) {
            metrics.registerWithSpark();
            return loop(sc, p, data, workers, dir, start, metrics, shipped, parents.fingerprint(), exchange);
        } finally {
            shipped.destroy();
        }
    }

    private record Start(Provenance provenance, TrainingState state, Map<String, INDArray> ema, List<RoundStats> history,
                         int round, String lastCheckpoint) {
    }

    private static Start start(RunDirectory dir, TrainJobParams p, WorkerData data, int workers, Parents parents) {
        Map<String, Object> job = jobJson(p, data, workers);
        if (dir.exists(RunDirectory.JOB)) {
            if (!p.resume())
                throw new IllegalStateException("run directory " + dir.root() + " already holds a run (" + RunDirectory.JOB
                        + "); pass --resume to continue it, or choose a new --run-dir");
            checkSameJob(dir, job);
            Provenance prov = readJson(dir, RunDirectory.PROVENANCE, Provenance.class);
            var loaded = dir.resumePoint();
            if (loaded.isPresent()) {
                Checkpoint c = loaded.get().checkpoint();
                int round = loaded.get().file().round();
                if (!c.model().equals(p.model()) || !c.provenance().configText().equals(p.configText())
                        || c.provenance().seed() != p.seed())
                    throw new IllegalStateException(loaded.get().file().path() + ": checkpoint is of a different model, config or seed");
                if (c.state().step() != (long) round * p.averagingFrequency())
                    throw new IllegalStateException(loaded.get().file().path() + " [step]: " + c.state().step()
                            + " steps, expected " + round + " rounds x " + p.averagingFrequency());
                List<RoundStats> history = ResumedHistory.load(dir, round);
                dir.writeText(RunDirectory.HISTORY, RoundStats.toCsv(history)); // the view, from the checkpoint's history
                LOG.info("resuming {} from {} (round {}, step {})", dir.root(), loaded.get().file().path(), round, c.state().step());
                Map<String, INDArray> ema = p.emaDecay() > 0 ? new LinkedHashMap<>(c.ema()) : Map.of();
                return new Start(prov, c.state(), ema, history, round, loaded.get().file().path().toString());
            }
            LOG.info("--resume: {} has no complete checkpoint yet; starting from round 0", dir.root());
            return fresh(p, prov, parents);
        }
        if (p.resume()) LOG.info("--resume: {} holds no run yet; starting a new one", dir.root());
        Provenance prov = Provenance.of(p.model(), p.configText(), p.seed(), data.manifestSha256()).withParents(parents.lineage());
        dir.writeText(RunDirectory.CONFIG, p.configText());
        dir.writeText(RunDirectory.PROVENANCE, toJson(prov));
        dir.writeText(RunDirectory.JOB, toJson(job)); // last: its presence marks the directory as a run
        return fresh(p, prov, parents);
    }

    private static Start fresh(TrainJobParams p, Provenance prov, Parents parents) {
        TrainingState s;
        try (TrainingSession session = Families.get(p.model()).open(p.configText(), p.seed(), parents)) {
            s = session.state();
        }
        Map<String, INDArray> ema = new LinkedHashMap<>();
        if (p.emaDecay() > 0) s.parameters().forEach((k, v) -> ema.put(k, v.dup()));
        return new Start(prov, s, ema, new ArrayList<>(), 0, null);
    }

    /** The job fields that fix the trajectory; a resumed run must match them (rounds and checkpointing may change). */
    private static Map<String, Object> jobJson(TrainJobParams p, WorkerData data, int workers) {
        var m = new LinkedHashMap<String, Object>();
        m.put("model", p.model());
        m.put("config", p.configName());
        m.put("configSha256", SessionPool.sha256(p.configText()));
        m.put("data", p.data());
        m.put("dataManifestSha256", data.manifestSha256());
        m.put("workers", workers);
        m.put("averagingFrequency", p.averagingFrequency());
        m.put("batchSizePerWorker", p.batchSizePerWorker());
        m.put("seed", p.seed());
        m.put("emaDecay", p.emaDecay());
        m.put("emaWarmup", p.emaWarmup());
        return m;
    }

    private static final List<String> MUST_MATCH = List.of("model", "configSha256", "dataManifestSha256", "workers",
            "averagingFrequency", "batchSizePerWorker", "seed", "emaDecay", "emaWarmup");

    @SuppressWarnings("unchecked")
    private static void checkSameJob(RunDirectory dir, Map<String, Object> job) {
        Map<String, Object> old = readJson(dir, RunDirectory.JOB, Map.class);
        for (String k : MUST_MATCH) {
            String was = String.valueOf(old.get(k)), now = String.valueOf(job.get(k));
            if (!was.equals(now))
                throw new IllegalStateException(dir.path(RunDirectory.JOB) + " [" + k + "]: the run was started with " + was
                        + ", this invocation has " + now + "; a resumed run must use the same value");
        }
    }

    private static TrainResult loop(JavaSparkContext sc, TrainJobParams p, WorkerData data, int workers, RunDirectory dir,
                                    Start start, TrainMetrics metrics, Broadcast<ParentBytes> parents, String parentsFingerprint,
                                    StateExchange exchange) {
        TrainingState state = start.state();
        Map<String, INDArray> ema = start.ema();
        List<RoundStats> history = start.history();
        String lastCheckpoint = start.lastCheckpoint();
        List<AveragingBreakdown> breakdowns = new ArrayList<>();
        JavaRDD<Integer> slots = sc.parallelize(IntStream.range(0, workers).boxed().toList(), workers);
        double meanRoundSeconds = Double.NaN;
        String failTaskOnce = FaultInjection.failTaskOnce(p.sparkConf(), sc.getConf());
        LOG.info("training {} on {} workers: {} rounds x {} steps x batch {} per worker, data {}, run directory {}",
                p.model(), workers, p.rounds(), p.averagingFrequency(), p.batchSizePerWorker(), data.name(), dir.root());
        long loopStart = System.nanoTime();
        int lastRound = p.rounds();
        boolean outOfTime = false;
        RoundInput averaged = null; // the last round's averaged state as packed by its sum (null: pack `state`)
        for (int r = start.round(); r < p.rounds(); r++) {
            String desc = String.format("factorlab train round %d/%d (steps %d-%d, %d workers)", r + 1, p.rounds(),
                    state.step() + 1, state.step() + p.averagingFrequency(), workers);
            sc.setJobDescription(desc);
            sc.setCallSite(desc);
            long t0 = System.nanoTime();
            exchange.publish(averaged != null ? averaged : new RoundInput(r, state));
            long publishNanos = System.nanoTime() - t0;
            RoundSum sum;
            try {
                sum = slots.mapPartitionsWithIndex(new WorkerRound(p, data, workers, exchange.address(), r, failTaskOnce, parents,
                                parentsFingerprint), true)
                        .treeAggregate(RoundSum.empty(), RoundSum::merge, RoundSum::merge, p.aggregationDepth());
            } catch (Exception e) { // SparkException is checked in Java's eyes but thrown undeclared by Scala
                throw new IllegalStateException("round " + (r + 1) + " failed: " + rootMessage(e), e);
            }
            sum.attach(exchange.take(r, workers));
            long d0 = System.nanoTime();
            TrainingState next = sum.average();
            averaged = sum.averagedInput(r + 1);
            long roundNanos = System.nanoTime() - t0;
            breakdowns.add(AveragingBreakdown.of(r + 1, sum, roundNanos, publishNanos, System.nanoTime() - d0));
            double paramNorm = norm(next.parameters(), null);
            double updateNorm = norm(next.parameters(), state.parameters());
            double loss = sum.meanLoss();
            if (!Double.isFinite(loss) || !Double.isFinite(paramNorm))
                throw new TrainingDivergedException(String.format(
                        "training diverged in round %d (steps %d-%d): mean loss %s, parameter norm %s, per worker %s; "
                                + "stopped without writing this state. Last good checkpoint: %s",
                        r + 1, state.step() + 1, next.step(), loss, paramNorm, sum.workerLoss,
                        lastCheckpoint == null ? "none (no checkpoint was written before the divergence)" : lastCheckpoint));
            double emaRoundDecay = org.factorlab.diffusion.Ema.decayOver(p.emaDecay(), p.emaWarmup(), state.step(), next.step());
            if (!ema.isEmpty())
                for (var e : next.parameters().entrySet())
                    ema.get(e.getKey()).muli(emaRoundDecay).addi(e.getValue().mul(1 - emaRoundDecay));
            double roundSec = roundNanos / 1e9;
            var stats = new RoundStats(r + 1, next.step(), loss, sum.images / roundSec, roundSec,
                    sum.stepNanos / 1e9 / sum.steps, Math.max(0, roundNanos - sum.maxTrainNanos) / 1e9,
                    sum.dataWaitNanos / 1e9 / sum.workers,
                    sum.gradNormCount == 0 ? Double.NaN : sum.gradNormSum / sum.gradNormCount, paramNorm, updateNorm, terms(sum));
            history.add(stats);
            metrics.record(stats, sum.sessionsCreated, sum.images);
            meanRoundSeconds = Double.isNaN(meanRoundSeconds) ? roundSec : 0.7 * meanRoundSeconds + 0.3 * roundSec;
            PROGRESS.info(String.format("round %d/%d | step %d | loss %.6g%s | %.1f images/s | round %.2f s (averaging %.1f%%) | ETA %s",
                    r + 1, p.rounds(), next.step(), loss, termsText(stats.terms()), stats.imagesPerSecond(), roundSec,
                    100 * stats.averagingSeconds() / roundSec, eta(remainingSeconds(p, r + 1, meanRoundSeconds, loopStart))));
            dir.writeText(RunDirectory.HISTORY, RoundStats.toCsv(history));
            state = next;
            FaultInjection.maybeCrashDriver(p.sparkConf(), sc.getConf(), r + 1);
            // stop when the next round (at the recent mean round time) would end past the wall-time budget
            double elapsed = (System.nanoTime() - loopStart) / 1e9;
            outOfTime = p.maxWallSeconds() > 0 && r + 1 < p.rounds() && elapsed + meanRoundSeconds > p.maxWallSeconds();
            if (outOfTime) {
                lastRound = r + 1;
                LOG.info("wall-time budget {} s: stopping after round {} of {} ({} s spent, a round takes ~{} s)",
                        p.maxWallSeconds(), r + 1, p.rounds(), String.format("%.0f", elapsed), String.format("%.0f", meanRoundSeconds));
            }
            if ((r + 1) % p.checkpointEvery() == 0 || r + 1 == p.rounds() || outOfTime) {
                long c0 = System.nanoTime();
                lastCheckpoint = dir.writeCheckpoint(r + 1, new Checkpoint(p.model(), state, ema, start.provenance()),
                        RoundStats.toCsv(history)).toString();
                dir.prune(p.keepCheckpoints());
                metrics.recordCheckpoint(System.nanoTime() - c0);
                LOG.info("checkpoint {} ({} ms)", lastCheckpoint, (System.nanoTime() - c0) / 1_000_000);
            }
            if (outOfTime) break;
        }
        sc.setJobDescription(null);
        if (breakdowns.size() > 1) // the first round builds the sessions: leave it out
            LOG.info("averaging per round (mean of rounds {}-{}): {}", breakdowns.get(1).round(),
                    breakdowns.get(breakdowns.size() - 1).round(),
                    AveragingBreakdown.mean(breakdowns.subList(1, breakdowns.size())).describe());
        if (lastCheckpoint == null) // rounds were already complete when resuming
            lastCheckpoint = dir.checkpointPath(start.round()).toString();
        var result = new LinkedHashMap<String, Object>();
        result.put("rounds", lastRound);
        result.put("plannedRounds", p.rounds());
        result.put("stoppedByWallTime", outOfTime);
        result.put("steps", state.step());
        result.put("finalCheckpoint", lastCheckpoint);
        result.put("finalLoss", history.isEmpty() ? null : history.get(history.size() - 1).loss());
        result.put("resumedFromRound", start.round());
        dir.writeText(RunDirectory.RESULT, toJson(result));
        return new TrainResult(dir.root().toString(), lastCheckpoint, lastRound, state, ema, history, start.round(), breakdowns);
    }

    /** The round's named loss terms other than the total. */
    private static Map<String, Double> terms(RoundSum sum) {
        Map<String, Double> t = new LinkedHashMap<>(sum.meanTerms());
        t.remove(org.factorlab.train.Losses.TOTAL);
        return t;
    }

    private static String termsText(Map<String, Double> terms) {
        if (terms.isEmpty()) return "";
        StringBuilder sb = new StringBuilder(" (");
        terms.forEach((k, v) -> sb.append(sb.length() > 2 ? ", " : "").append(k).append(' ').append(String.format("%.4g", v)));
        return sb.append(')').toString();
    }

    private static void checkSerializer(SparkConf conf) {
        String ser = conf.get("spark.serializer", "");
        String reg = conf.get("spark.kryo.registrator", "");
        if (!ser.endsWith("KryoSerializer") || !reg.contains(FactorlabKryoRegistrator.class.getName()))
            LOG.warn("this SparkContext does not use Kryo with {}; model states will ship with slower Java "
                    + "serialization (create the context with TrainJob.sparkConf)", FactorlabKryoRegistrator.class.getSimpleName());
    }

    /** L2 norm of {@code a} (b null) or of {@code a - b}, over all arrays. */
    static double norm(Map<String, INDArray> a, Map<String, INDArray> b) {
        double sq = 0;
        for (var e : a.entrySet()) {
            INDArray x = b == null ? e.getValue() : e.getValue().sub(Objects.requireNonNull(b.get(e.getKey()), e.getKey()));
            double n = x.norm2Number().doubleValue();
            sq += n * n;
        }
        return Math.sqrt(sq);
    }

    /** Rounds left at the recent round time, or the wall-time budget left when that comes first. */
    static double remainingSeconds(TrainJobParams p, int roundsDone, double meanRoundSeconds, long loopStartNanos) {
        double byRounds = (p.rounds() - roundsDone) * meanRoundSeconds;
        if (p.maxWallSeconds() <= 0) return byRounds;
        return Math.max(0, Math.min(byRounds, p.maxWallSeconds() - (System.nanoTime() - loopStartNanos) / 1e9));
    }

    static String eta(double seconds) {
        if (!Double.isFinite(seconds)) return "?";
        long s = Math.round(seconds);
        return s >= 3600 ? String.format("%dh%02dm", s / 3600, s / 60 % 60) : String.format("%dm%02ds", s / 60, s % 60);
    }

    private static String rootMessage(Throwable e) {
        Throwable t = e;
        while (t.getCause() != null && t.getCause() != t) t = t.getCause();
        return t.getClass().getSimpleName() + ": " + t.getMessage();
    }

    private static String toJson(Object o) {
        try {
            return JSON.writeValueAsString(o) + "\n";
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T> T readJson(RunDirectory dir, String name, Class<T> type) {
        try {
            return JSON.readValue(dir.readText(name), type);
        } catch (IOException e) {
            throw new UncheckedIOException(dir.path(name) + ": " + e.getMessage(), e);
        }
    }
}
