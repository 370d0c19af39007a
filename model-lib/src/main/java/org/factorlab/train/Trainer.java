package org.factorlab.train;

import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.factorlab.data.Batch;
import org.factorlab.data.BatchSource;
import org.factorlab.diffusion.Ema;
import org.factorlab.provenance.Provenance;
import org.factorlab.viz.LossCurves;

/**
 * Single-machine training over any {@link TrainingSession}: runs steps, logs loss, images/s and ETA, keeps an EMA of
 * the parameters, appends to {@code loss.csv}, and writes checkpoints {@code ckpt-<step>.zip} atomically (temporary
 * name, then rename) keeping the newest {@code keepLast}. A run directory that already holds checkpoints is resumed
 * from the newest one: state and EMA are restored, the first {@code step} batches of the (deterministic) source are
 * skipped, and loss.csv is cut back to that step, so the resumed run repeats the uninterrupted one.
 */
public final class Trainer {
    public static final String LOSS_CSV = "loss.csv";
    /** Every loss term of loss.csv over the steps, one panel each, rewritten at every checkpoint. */
    public static final String LOSS_PNG = "loss.png";
    private static final Pattern CKPT = Pattern.compile("ckpt-(\\d{9})\\.zip");

    /**
     * @param steps           total optimizer steps of the run (a resumed run stops at the same total)
     * @param emaDecay        EMA decay, 0 for no EMA
     * @param dataManifestSha the data manifest's checksum, for provenance
     * @param maxWallSeconds  stop, with a checkpoint, before a step would end past this many seconds (0: no limit)
     * @param parents         the lineage of the frozen parents the session was opened with, for provenance
     */
    public record Options(String model, String configText, long seed, long steps, int logEvery, int checkpointEvery,
                          int keepLast, double emaDecay, boolean emaWarmup, Path runDir, String dataManifestSha,
                          double maxWallSeconds, List<Provenance.Parent> parents) {
        public Options(String model, String configText, long seed, long steps, int logEvery, int checkpointEvery,
                       int keepLast, double emaDecay, boolean emaWarmup, Path runDir, String dataManifestSha, double maxWallSeconds) {
            this(model, configText, seed, steps, logEvery, checkpointEvery, keepLast, emaDecay, emaWarmup, runDir, dataManifestSha,
                    maxWallSeconds, List.of());
        }

        public Options {
            parents = List.copyOf(parents);
            if (!(maxWallSeconds >= 0)) throw new IllegalArgumentException("maxWallSeconds: must be >= 0 (0: no limit), got " + maxWallSeconds);
            if (steps < 1) throw new IllegalArgumentException("steps: must be >= 1, got " + steps);
            if (logEvery < 1) throw new IllegalArgumentException("logEvery: must be >= 1, got " + logEvery);
            if (checkpointEvery < 1) throw new IllegalArgumentException("checkpointEvery: must be >= 1, got " + checkpointEvery);
            if (keepLast < 1) throw new IllegalArgumentException("keepLast: must be >= 1, got " + keepLast);
        }
    }

    /** What a run did: the step it started from, the last step, the last logged average loss and the newest checkpoint. */
    public record Result(long startStep, long endStep, double lastLoss, Path lastCheckpoint) {
    }

    private final Options options;
    private final PrintStream log;

    public Trainer(Options options, PrintStream log) {
        this.options = options;
        this.log = log;
    }

    public Result run(TrainingSession session, BatchSource source) {
        try {
            Files.createDirectories(options.runDir());
            Ema ema = null;
            long start = 0;
            Optional<Path> newest = newestCheckpoint(options.runDir());
            if (newest.isPresent()) {
                Checkpoint ck;
                try (var in = Files.newInputStream(newest.get())) {
                    ck = Checkpoint.read(in, newest.get().toString());
                }
                if (!ck.model().equals(options.model()))
                    throw new IllegalArgumentException(newest.get() + ": a '" + ck.model() + "' checkpoint, but training " + options.model());
                if (!ck.provenance().configText().equals(options.configText()))
                    throw new IllegalArgumentException(newest.get() + ": written with a different effective config than this run's; "
                            + "resume with the same config and --set overrides, or choose a new run directory");
                session.load(ck.state());
                start = ck.state().step();
                if (options.emaDecay() > 0)
                    ema = new Ema(options.emaDecay(), options.emaWarmup(), ck.ema().isEmpty() ? ck.state().parameters() : ck.ema(), start);
                log.printf(Locale.ROOT, "resuming from %s at step %d; skipping %d batches of the source%n", newest.get(), start, start);
                for (long i = 0; i < start; i++) source.next();
                truncateCsv(start, header(session));
            } else {
                if (options.emaDecay() > 0) ema = new Ema(options.emaDecay(), options.emaWarmup(), session.state().parameters());
                Files.writeString(options.runDir().resolve(LOSS_CSV), header(session) + "\n", StandardCharsets.UTF_8);
            }
            if (start >= options.steps()) {
                log.printf(Locale.ROOT, "nothing to do: checkpoint is at step %d of %d%n", start, options.steps());
                return new Result(start, start, Double.NaN, newest.orElse(null));
            }
            return loop(session, source, ema, start);
        } catch (IOException e) {
            throw new UncheckedIOException("training in " + options.runDir() + ": " + e.getMessage(), e);
        }
    }

    private Result loop(TrainingSession session, BatchSource source, Ema ema, long start) throws IOException {
        Path csv = options.runDir().resolve(LOSS_CSV);
        Path last = null;
        double windowLoss = 0, lastAvg = Double.NaN;
        java.util.Map<String, Double> windowTerms = new java.util.LinkedHashMap<>();
        long windowImages = 0, windowSteps = 0;
        long t0 = System.nanoTime(), windowStart = t0;
        try (BufferedWriter out = Files.newBufferedWriter(csv, StandardCharsets.UTF_8, StandardOpenOption.APPEND)) {
            for (long step = start; step < options.steps(); step++) {
                Batch batch = source.next();
                long s0 = System.nanoTime();
                Losses losses = session.step(batch);
                double secs = (System.nanoTime() - s0) / 1e9;
                if (ema != null) ema.update(session.parameters());
                StringBuilder row = new StringBuilder().append(step + 1);
                for (String name : session.lossNames()) row.append(String.format(Locale.ROOT, ",%.8g", losses.get(name)));
                out.write(row.append(String.format(Locale.ROOT, ",%.3f%n", batch.size() / secs)).toString());
                for (var e : losses.values().entrySet()) windowTerms.merge(e.getKey(), e.getValue(), Double::sum);
                windowLoss += losses.total();
                windowImages += batch.size();
                windowSteps++;
                long done = step + 1;
                if (done % options.logEvery() == 0 || done == options.steps()) {
                    out.flush();
                    long now = System.nanoTime();
                    double rate = windowImages / ((now - windowStart) / 1e9);
                    // the window's own time per step, like its images/s: the first window also carries the one-time
                    // cost of planning the graph and warming the JIT, which says nothing of the steps to come
                    double perStep = (now - windowStart) / 1e9 / windowSteps;
                    lastAvg = windowLoss / windowSteps;
                    log.printf(Locale.ROOT, "step %d/%d  loss %.5f%s  %.2f images/s  %.0f ms/step  ETA %s%n", done, options.steps(),
                            lastAvg, terms(windowTerms, windowSteps), rate, perStep * 1000,
                            format(Duration.ofSeconds((long) (perStep * (options.steps() - done)))));
                    windowTerms.clear();
                    windowLoss = 0;
                    windowImages = 0;
                    windowSteps = 0;
                    windowStart = now;
                }
                double elapsed = (System.nanoTime() - t0) / 1e9;
                boolean outOfTime = options.maxWallSeconds() > 0 && done < options.steps()
                        && elapsed + elapsed / (done - start) > options.maxWallSeconds();
                if (done % options.checkpointEvery() == 0 || done == options.steps() || outOfTime) {
                    out.flush();
                    last = writeCheckpoint(session, ema);
                }
                if (outOfTime) {
                    log.printf(Locale.ROOT, "stopping at step %d of %d: the next step would pass the %.0f s wall-time limit%n",
                            done, options.steps(), options.maxWallSeconds());
                    return new Result(start, done, lastAvg, last);
                }
            }
        }
        return new Result(start, options.steps(), lastAvg, last);
    }

    private Path writeCheckpoint(TrainingSession session, Ema ema) throws IOException {
        TrainingState state = session.state();
        Checkpoint ck = new Checkpoint(options.model(), state, ema == null ? null : ema.shadow(),
                Provenance.of(options.model(), options.configText(), options.seed(), options.dataManifestSha()).withParents(options.parents()));
        Path dst = options.runDir().resolve(String.format(Locale.ROOT, "ckpt-%09d.zip", state.step()));
        Path tmp = options.runDir().resolve(dst.getFileName() + ".tmp");
        try (OutputStream os = Files.newOutputStream(tmp)) {
            ck.write(os);
        }
        Files.move(tmp, dst, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        List<Path> all = checkpoints(options.runDir());
        for (int i = 0; i < all.size() - options.keepLast(); i++) Files.deleteIfExists(all.get(i));
        log.printf(Locale.ROOT, "checkpoint %s%n", dst);
        writeLossPlot(state.step());
        return dst;
    }

    /** loss.png from loss.csv (the caller has flushed it); a picture that cannot be drawn costs a warning, not the run. */
    private void writeLossPlot(long step) {
        Path csv = options.runDir().resolve(LOSS_CSV), png = options.runDir().resolve(LOSS_PNG);
        Path tmp = options.runDir().resolve(LOSS_PNG + ".tmp");
        try {
            try (OutputStream os = Files.newOutputStream(tmp)) {
                LossCurves.plot(Files.readString(csv, StandardCharsets.UTF_8), csv.toString(),
                        options.model() + ", " + options.runDir().getFileName() + ", step " + step, os);
            }
            Files.move(tmp, png, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException | RuntimeException e) {
            log.printf(Locale.ROOT, "warning: could not draw %s: %s%n", png, e.getMessage());
        }
    }

    /** Checkpoints in a run directory, oldest first (temporary files are ignored). */
    public static List<Path> checkpoints(Path runDir) throws IOException {
        List<Path> out = new ArrayList<>();
        if (!Files.isDirectory(runDir)) return out;
        try (DirectoryStream<Path> ds = Files.newDirectoryStream(runDir, "ckpt-*.zip")) {
            for (Path p : ds) if (CKPT.matcher(p.getFileName().toString()).matches()) out.add(p);
        }
        out.sort((a, b) -> Long.compare(stepOf(a), stepOf(b)));
        return out;
    }

    public static Optional<Path> newestCheckpoint(Path runDir) throws IOException {
        List<Path> all = checkpoints(runDir);
        return all.isEmpty() ? Optional.empty() : Optional.of(all.get(all.size() - 1));
    }

    private static long stepOf(Path p) {
        Matcher m = CKPT.matcher(p.getFileName().toString());
        if (!m.matches()) throw new IllegalArgumentException(p + " is not a checkpoint name");
        return Long.parseLong(m.group(1));
    }

    /** The loss.csv header: the step, each named loss, the step's images per second. */
    static String header(TrainingSession session) {
        return "step," + String.join(",", session.lossNames()) + ",images_per_s";
    }

    /** The named terms other than the total, averaged over a log window: " (recon 1.2, kl 0.3)". */
    private static String terms(java.util.Map<String, Double> sums, long steps) {
        if (sums.size() <= 1) return "";
        StringBuilder sb = new StringBuilder(" (");
        for (var e : sums.entrySet()) {
            if (e.getKey().equals(Losses.TOTAL)) continue;
            if (sb.length() > 2) sb.append(", ");
            sb.append(e.getKey()).append(' ').append(String.format(Locale.ROOT, "%.4g", e.getValue() / steps));
        }
        return sb.append(')').toString();
    }

    /** Keeps the header and the rows of steps <= {@code step}. */
    private void truncateCsv(long step, String header) throws IOException {
        Path csv = options.runDir().resolve(LOSS_CSV);
        List<String> keep = new ArrayList<>();
        keep.add(header);
        if (Files.exists(csv)) {
            for (String line : Files.readAllLines(csv, StandardCharsets.UTF_8)) {
                if (line.isBlank() || line.startsWith("step")) continue;
                int comma = line.indexOf(',');
                if (comma > 0 && Long.parseLong(line.substring(0, comma)) <= step) keep.add(line);
            }
        }
        Path tmp = options.runDir().resolve(LOSS_CSV + ".tmp");
        Files.write(tmp, keep, StandardCharsets.UTF_8);
        Files.move(tmp, csv, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    private static String format(Duration d) {
        return String.format(Locale.ROOT, "%d:%02d:%02d", d.toHours(), d.toMinutesPart(), d.toSecondsPart());
    }
}
