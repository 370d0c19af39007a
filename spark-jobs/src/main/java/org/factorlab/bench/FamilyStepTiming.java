package org.factorlab.bench;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;
import org.factorlab.data.Batch;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.Factor;
import org.factorlab.data.ImageShape;
import org.factorlab.ddpm.DdpmFamily;
import org.factorlab.disdiff.DisDiffFamily;
import org.factorlab.encdiff.EncDiffFamily;
import org.factorlab.ivaeddpm.IvaeDdpmFamily;
import org.factorlab.model.Families;
import org.factorlab.model.ModelFamily;
import org.factorlab.model.Parents;
import org.factorlab.provenance.Provenance;
import org.factorlab.train.Checkpoint;
import org.factorlab.train.GraphSession;
import org.factorlab.train.TrainSettings;
import org.factorlab.train.TrainingSession;
import org.factorlab.vq.VqFamily;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One training step of a family's own config, timed in ND4J and in a PyTorch twin built from the same effective
 * config (EncDiff: {@code bench/unet_train_step.py}; the VAE families: {@code bench/vae_train_step.py}; ivae-ddpm:
 * {@code bench/ivae_ddpm_train_step.py}; vqae: {@code bench/vq_train_step.py}; DisDiff: {@code bench/disdiff_train_step.py},
 * over a fresh ddpm parent unless the config names one), alternating the two for {@code rounds} rounds, with wall and process CPU
 * time per step of both and, for ND4J, the time inside op kernels against the optimizer and everything else.
 */
final class FamilyStepTiming {
    /** Families with a PyTorch twin of the same network and loss (besides encdiff's, generated from its config). */
    private static final List<String> TWINS = List.of("betavae", "betatcvae", "factorvae", "ivae", IvaeDdpmFamily.NAME, VqFamily.NAME, DisDiffFamily.NAME);
    /** ivae-ddpm's twin, beside the VAE twin: {@code bench/ivae_ddpm_train_step.py}. */
    private static final String IVAE_DDPM_TWIN = "ivae_ddpm_train_step.py";
    /** vqae's twin, beside the VAE twin. */
    private static final String VQ_TWIN = "vq_train_step.py";

    private final String model;
    private final String configText;
    /** null: the config's own train.batchSize. */
    private final Integer batchOverride;
    private int batch;
    private final int steps;
    private final int warmup;
    private final String python;
    private final Path twin;
    private final Path unetTwin;
    private final boolean skipPytorch;
    private final int threads;
    private final int rounds;
    private boolean byShape;
    private TwinEnvironment twinEnv = TwinEnvironment.FACTORLAB;
    /** The twin's process CPU time per step in the last round, where it reports one. */
    private Double torchCpuMs;
    /** {@code --set} overrides of the config. */
    private final List<String> overrides;
    private final Path disdiffTwin;

    FamilyStepTiming(String model, String configText, Integer batch, int steps, int warmup, String python, Path twin, Path unetTwin,
                     Path disdiffTwin, boolean skipPytorch, int threads, int rounds, List<String> overrides) {
        this.overrides = List.copyOf(overrides);
        this.disdiffTwin = disdiffTwin;
        this.model = model;
        this.configText = configText;
        this.batchOverride = batch;
        this.steps = steps;
        this.warmup = warmup;
        this.python = python;
        this.twin = twin;
        this.unetTwin = unetTwin;
        this.skipPytorch = skipPytorch;
        this.threads = threads;
        this.rounds = rounds;
    }

    /** The environment the twin runs in (default: the benchmark's own). */
    FamilyStepTiming twinEnvironment(TwinEnvironment env) {
        this.twinEnv = env;
        return this;
    }

    /** The profiled pass keys op instances by input shapes (--profile). */
    FamilyStepTiming byShape(boolean on) {
        byShape = on;
        return this;
    }

    int run() throws Exception {
        ModelFamily f = Families.get(model);
        List<String> sets = new ArrayList<>(overrides);
        if (batchOverride != null) sets.add("train.batchSize=" + batchOverride);
        String eff = f.effectiveConfig(configText, sets, model + " config");
        if (model.equals(DisDiffFamily.NAME)
                && org.factorlab.config.ConfigTree.readMapping(eff, "config").path("pretrained").path("checkpoint").asText().isBlank()) {
            sets.add("pretrained.checkpoint=" + freshParent(eff));
            eff = f.effectiveConfig(configText, sets, model + " config");
        }
        // a synthetic labelled grid, for families whose config depends on the data (iVAE's u)
        DatasetSpec spec = new DatasetSpec("bench", List.of(Factor.ofClasses("a", 10), Factor.ofClasses("b", 10),
                Factor.ofClasses("c", 10), Factor.ofClasses("d", 8), Factor.ofClasses("e", 4), Factor.ofClasses("g", 15)),
                new ImageShape(1, 1, 3));
        eff = f.withData(eff, spec, model + " config");
        var modelSection = org.factorlab.config.ConfigTree.readMapping(eff, "config").path("model");
        int size = modelSection.path("imageSize").asInt(32), channels = modelSection.path("imageChannels").asInt(3);
        TrainSettings t = f.trainSettings(eff);
        batch = t.batchSize();
        List<String> twinCmd = skipPytorch ? null : twinCommand(modelSection.path("latents").asInt(10), size, channels, eff);
        Parents parents = Parents.load(f.parents(eff), org.factorlab.spark.ParentBytes.reader(new org.apache.hadoop.conf.Configuration()));
        Batch b = batch(size, channels, spec);
        // a latent model's batches carry its first stage's latents, as latent shards give them
        for (var p : parents.all())
            if (p.ref().key().equals(org.factorlab.latent.FirstStageConfig.KEY)) {
                var vq = org.factorlab.vq.VqAutoencoder.fromCheckpoint(p.checkpoint(), p.ref().uri());
                b = new Batch(b.images(), b.factors(), vq.encode(b.images()));
                System.out.printf(Locale.ROOT, "latent model: the U-Net runs on %s latents of %s%n", Arrays.toString(vq.latentShape()), p.ref().uri());
            }
        double[] ms = new double[steps * rounds];
        double[] roundMedians = new double[rounds];
        double[] cpuMs = new double[rounds];
        double[] torchMs = new double[rounds];
        double[] torchCpu = new double[rounds];
        double kernelMs = Double.NaN, optimizerMs = Double.NaN, profiledMs = Double.NaN;
        int ops = -1;
        try (TrainingSession s = f.open(eff, t.seed(), parents)) {
            long count = 0;
            for (var a : s.parameters().values()) count += a.length();
            System.out.printf(Locale.ROOT, "ND4J: %,d parameters in the session's state (trainable, with any running statistics)%n", count);
            for (int i = 0; i < warmup; i++) s.step(b);
            for (int r = 0; r < rounds; r++) {
                // the twin and ND4J alternate: a change in the machine's load between rounds hits both sides
                torchMs[r] = twinCmd == null ? Double.NaN : run(twinCmd);
                torchCpu[r] = torchCpuMs == null ? Double.NaN : torchCpuMs;
                long cpu0 = processCpuNanos();
                for (int i = 0; i < steps; i++) {
                    long t0 = System.nanoTime();
                    s.step(b);
                    ms[r * steps + i] = (System.nanoTime() - t0) / 1e6;
                }
                cpuMs[r] = (processCpuNanos() - cpu0) / 1e6 / steps;
                double[] roundMs = Arrays.copyOfRange(ms, r * steps, (r + 1) * steps);
                Arrays.sort(roundMs);
                roundMedians[r] = roundMs[roundMs.length / 2];
                System.out.printf(Locale.ROOT, "round %d/%d: ND4J %.1f ms/step (CPU %.1f ms/step); PyTorch %s ms/step (CPU %s ms/step); "
                                + "ratio PyTorch/ND4J: wall %s, CPU %s%n", r + 1, rounds, roundMedians[r], cpuMs[r], fmt(torchMs[r]),
                        fmt(torchCpu[r]), fmt(torchMs[r] / roundMedians[r]) + "x", fmt(torchCpu[r] / cpuMs[r]) + "x");
            }
            if (s instanceof GraphSession g) {
                ops = g.executedOpCount();
                System.out.printf(Locale.ROOT, "graph ops per step: %d, of which %d run as native calls (the rest are views)%n", g.opCount(), ops);
                g.setProfiling(true);
                g.setProfilingByShape(byShape);
                long t0 = System.nanoTime();
                long opt0 = g.optimizerNanos();
                for (int i = 0; i < steps; i++) s.step(b);
                profiledMs = (System.nanoTime() - t0) / 1e6 / steps;
                long kernelNanos = 0, kernelCpu = 0;
                for (long[] v : g.profile().values()) {
                    kernelNanos += v[1];
                    kernelCpu += v[2];
                }
                kernelMs = kernelNanos / 1e6 / steps;
                optimizerMs = (g.optimizerNanos() - opt0) / 1e6 / steps;
                System.out.printf(Locale.ROOT, "profiled pass: %.1f ms/step = %.1f ms inside %d op kernels (%.1f us of kernel per op) + %.1f ms "
                                + "optimizer (%d parameter arrays, %.1f us per array) + %.1f ms the rest (dispatch, placeholders, Java side)%n",
                        profiledMs, kernelMs, ops, kernelMs * 1000 / ops, optimizerMs, g.parameterNames().size(),
                        optimizerMs * 1000 / Math.max(1, g.parameterNames().size()), profiledMs - kernelMs - optimizerMs);
                System.out.printf(Locale.ROOT, "  kernel CPU time on the calling thread: %.1f ms/step (%.1f us per op; the whole kernel cost "
                        + "when ND4J runs one thread, OMP_NUM_THREADS=1)%n", kernelCpu / 1e6 / steps, kernelCpu / 1e3 / steps / ops);
                if (byShape) {
                    // the per-type totals first: the shape rows below split the costliest of them
                    Map<String, long[]> byType = new java.util.LinkedHashMap<>();
                    g.profile().forEach((k, v) -> {
                        long[] sum = byType.computeIfAbsent(k.split(" ", 2)[0], x -> new long[3]);
                        for (int i = 0; i < 3; i++) sum[i] += v[i];
                    });
                    printProfile("op type", byType, 20, steps, kernelMs);
                }
                printProfile(byShape ? "op type and input shapes" : "op type", g.profile(), byShape ? 30 : 15, steps, kernelMs);
            }
        }
        Arrays.sort(ms);
        double med = ms[ms.length / 2];
        double cpu = median(cpuMs), tms = median(torchMs), tcpu = median(torchCpu);
        // CPU time does not grow with other processes' load: on a busy machine it compares better than wall time
        System.out.printf(Locale.ROOT, "ND4J process CPU time: %.1f ms/step (all threads)%s%n", cpu,
                Double.isNaN(tcpu) ? "" : String.format(Locale.ROOT, "; PyTorch %.1f ms/step; CPU-time ratio PyTorch/ND4J %.2fx", tcpu, tcpu / cpu));
        System.out.printf(Locale.ROOT, "%s train step, %dx%dx%d, batch %d, %d x %d timed steps after %d warm-up, ND4J threads %d%n", model,
                size, size, channels, batch, rounds, steps, warmup, Nd4j.getEnvironment().maxMasterThreads());
        // the split is the profiled pass's (its clock reads add a little); ms/step is the unprofiled median
        System.out.println("model      ND4J ms/step  ND4J img/s  kernels ms  optimizer ms  rest ms  PyTorch ms/step  ND4J/PyTorch throughput");
        System.out.printf(Locale.ROOT, "%-10s %12.1f  %10.1f  %10.1f  %12.1f  %7.1f  %15s  %s%n", model, med, batch * 1000 / med, kernelMs,
                optimizerMs, profiledMs - kernelMs - optimizerMs, fmt(tms), Double.isNaN(tms) ? "-" : fmt(tms / med) + "x");
        if (rounds > 1 && !Double.isNaN(tms)) {
            // each side's least disturbed round: what a disturbance (another process, a JIT or GC burst) cannot flatter
            double nBest = Arrays.stream(roundMedians).min().orElse(Double.NaN), tBest = Arrays.stream(torchMs).min().orElse(Double.NaN);
            System.out.printf(Locale.ROOT, "best rounds: ND4J %.1f ms/step, PyTorch %.2f ms/step, ND4J/PyTorch throughput %.2fx%n", nBest,
                    tBest, tBest / nBest);
        }
        return 0;
    }

    private static String fmt(double v) {
        return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
    }

    private static double median(double[] v) {
        double[] c = v.clone();
        Arrays.sort(c);
        return c[c.length / 2];
    }

    /** CPU time of this process, all threads (native ones included). */
    private static long processCpuNanos() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
    }

    private Batch batch(int size, int channels, DatasetSpec spec) {
        SplittableRandom r = new SplittableRandom(1);
        float[] v = new float[batch * channels * size * size];
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
        int[][] f = new int[batch][spec.factors().size()];
        for (int i = 0; i < batch; i++) for (int k = 0; k < f[i].length; k++) f[i][k] = r.nextInt(spec.factors().get(k).size());
        return new Batch(Nd4j.create(v, new long[]{batch, channels, size, size}, DataType.FLOAT), f);
    }

    /** The twin's command line for this config, or null (with a note) where no twin times the same network. */
    private List<String> twinCommand(int latents, int size, int channels, String eff) {
        var tree = org.factorlab.config.ConfigTree.readMapping(eff, "config");
        if (model.equals(EncDiffFamily.NAME)) return encdiffCommand(tree, size, channels);
        if (!TWINS.contains(model)) {
            System.out.println("PyTorch side skipped: no twin of the " + model + " family (twins: encdiff, " + String.join(", ", TWINS) + ")");
            return null;
        }
        Path script = switch (model) {
            case IvaeDdpmFamily.NAME -> twin.resolveSibling(IVAE_DDPM_TWIN);
            case VqFamily.NAME -> twin.resolveSibling(VQ_TWIN);
            case DisDiffFamily.NAME -> disdiffTwin;
            default -> twin;
        };
        if (!Files.exists(script)) {
            System.out.println("PyTorch side skipped: " + script + " not found (run from the repository root)");
            return null;
        }
        switch (model) {
            case IvaeDdpmFamily.NAME: return ivaeDdpmCommand(script, tree, latents, size, channels);
            case VqFamily.NAME: return vqCommand(script, tree, size, channels);
            case DisDiffFamily.NAME: return disdiffCommand(script, tree);
            default: return vaeCommand(tree, latents, size, channels);
        }
    }

    /** The VAE families' twin ({@code bench/vae_train_step.py}) with the config's objective, discriminator and prior. */
    private List<String> vaeCommand(com.fasterxml.jackson.databind.JsonNode tree, int latents, int size, int channels) {
        List<String> cmd = new ArrayList<>(List.of(python, twin.toString(), "--model", model, "--image-size", String.valueOf(size),
                "--channels", String.valueOf(channels), "--batch", String.valueOf(batch), "--latents", String.valueOf(latents),
                "--steps", String.valueOf(steps), "--warmup", String.valueOf(Math.max(1, warmup)), "--threads", String.valueOf(threads)));
        var obj = tree.path("objective");
        if (obj.has("beta")) cmd.addAll(List.of("--beta", obj.path("beta").asText()));
        if (obj.has("gamma")) cmd.addAll(List.of("--gamma", obj.path("gamma").asText()));
        if (tree.path("discriminator").has("width")) cmd.addAll(List.of("--disc-hidden", tree.path("discriminator").path("width").asText()));
        if (tree.has("ivae")) {
            int u = 0;
            for (var n : tree.path("ivae").path("factorSizes")) u += n.asInt();
            cmd.addAll(List.of("--u-dim", String.valueOf(u), "--prior-hidden", tree.path("ivae").path("priorHidden").asText()));
        }
        return cmd;
    }

    /**
     * The EncDiff twin ({@code bench/unet_train_step.py}) built from the effective config: Encoder4 on the image, the
     * token MLPs, the LDM U-Net with cross-attention, the config's target, loss and optimizer. Null with a note for the
     * variants the twin does not build.
     */
    private List<String> encdiffCommand(com.fasterxml.jackson.databind.JsonNode tree, int size, int channels) {
        var m = tree.path("model");
        var enc = m.path("encoder");
        var tok = m.path("tokens");
        var unet = m.path("unet");
        var opt = tree.path("optimizer");
        List<String> unsupported = new ArrayList<>();
        if (!m.path("conditioning").asText().equals("cross_attention")) unsupported.add("conditioning " + m.path("conditioning").asText());
        if (!tok.path("kind").asText().equals("scalar")) unsupported.add("tokens.kind " + tok.path("kind").asText());
        if (!enc.path("norm").asText("batch").equals("batch")) unsupported.add("encoder.norm " + enc.path("norm").asText());
        if (unet.path("crossAttentionOnlyResolutions").size() > 0) unsupported.add("unet.crossAttentionOnlyResolutions");
        if (unet.path("dimHead").asInt(0) != 0) unsupported.add("unet.dimHead");
        if (unet.path("transformerDepth").asInt(1) != 1) unsupported.add("unet.transformerDepth");
        if (!unet.path("resblockUpdown").asBoolean(true)) unsupported.add("unet.resblockUpdown false");
        if (!unsupported.isEmpty()) {
            System.out.println("PyTorch side skipped: bench/unet_train_step.py does not build " + String.join(", ", unsupported));
            return null;
        }
        if (!Files.exists(unetTwin)) {
            System.out.println("PyTorch side skipped: " + unetTwin + " not found (run from the repository root)");
            return null;
        }
        return new ArrayList<>(List.of(python, unetTwin.toString(), "--summary", "--pixel",
                "--input-size", String.valueOf(size), "--encoder-input-size", String.valueOf(size), "--in-channels", String.valueOf(channels),
                "--encoder-channels", enc.path("channels").asText(), "--encoder-downsamples", enc.path("downsamples").asText(),
                "--encoder-res-blocks", enc.path("resBlocks").asText(),
                "--tokens", tok.path("count").asText(), "--context-dim", tok.path("dim").asText(),
                "--token-hidden", tok.path("hidden1").asText() + "," + tok.path("hidden2").asText(),
                "--model-channels", unet.path("modelChannels").asText(), "--channel-mult", joined(unet.path("channelMult")),
                "--num-res-blocks", unet.path("numResBlocks").asText(), "--attention-resolutions", joined(unet.path("attentionResolutions")),
                "--heads", unet.path("numHeads").asText(), "--norm-groups", unet.path("groups").asText(),
                "--parameterization", tree.path("diffusion").path("parameterization").asText("eps"),
                "--loss", tree.path("diffusion").path("loss").asText("l2"),
                "--optimizer", opt.path("kind").asText("adam"), "--lr", opt.path("lr").asText(),
                "--weight-decay", opt.path("weightDecay").asText("0"), "--clip-grad-norm", opt.path("clipGradNorm").asText("0"),
                "--batch", String.valueOf(batch), "--steps", String.valueOf(steps), "--warmup", String.valueOf(Math.max(1, warmup)),
                "--threads", String.valueOf(threads)));
    }

    /** The ivae-ddpm twin's arguments from the effective config: the iVAE, u's width, the U-Net and the conditioning. */
    private List<String> ivaeDdpmCommand(Path script, com.fasterxml.jackson.databind.JsonNode tree, int latents, int size, int channels) {
        var m = tree.path("model");
        var unet = m.path("unet");
        int u = 0;
        var iv = tree.path("ivae");
        for (var n : iv.path("factorSizes")) u += iv.path("u").asText().equals("one_hot") ? n.asInt() : (iv.path("withMean").asBoolean() ? 2 : 1);
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--image-size", String.valueOf(size),
                "--channels", String.valueOf(channels), "--batch", String.valueOf(batch), "--latents", String.valueOf(latents),
                "--u-dim", String.valueOf(u), "--prior-hidden", iv.path("priorHidden").asText(),
                "--encoder-input", m.path("encoderInput").asText(), "--conditioning", m.path("conditioning").asText(),
                "--token-dim", m.path("tokens").path("dim").asText(),
                "--token-hidden", m.path("tokens").path("hidden1").asText() + "," + m.path("tokens").path("hidden2").asText(),
                "--model-channels", unet.path("modelChannels").asText(), "--channel-mult", joined(unet.path("channelMult")),
                "--num-res-blocks", unet.path("numResBlocks").asText(), "--attention-resolutions", joined(unet.path("attentionResolutions")),
                "--heads", unet.path("numHeads").asText(), "--norm-groups", unet.path("groups").asText(),
                "--lambda-rec", tree.path("objective").path("lambdaRec").asText(), "--lambda-kl", tree.path("objective").path("lambdaKl").asText(),
                "--lr", tree.path("optimizer").path("lr").asText(),
                "--steps", String.valueOf(steps), "--warmup", String.valueOf(Math.max(1, warmup)), "--threads", String.valueOf(threads)));
        if (!tree.path("gumbel").path("groups").asText("0").equals("0") || tree.path("klBalancing").path("enabled").asBoolean())
            System.out.println("note: the PyTorch twin times the Gaussian iVAE with the plain KL (Gumbel groups and KL balancing cost little)");
        return cmd;
    }

    /**
     * A ddpm parent at initialisation with the U-Net, diffusion and first-stage settings of a disdiff config, written to
     * a temporary checkpoint: the step time does not depend on the parent's weights.
     */
    private static String freshParent(String disdiffEff) throws java.io.IOException {
        var tree = org.factorlab.config.ConfigTree.readMapping(disdiffEff, "config");
        var m = tree.path("model");
        String yaml = "model: {imageSize: " + m.path("imageSize").asInt() + ", imageChannels: " + m.path("imageChannels").asInt()
                + ", unet: " + m.path("unet") + "}\ndiffusion: {schedule: " + tree.path("diffusion").path("schedule")
                + ", parameterization: " + tree.path("diffusion").path("parameterization").asText() + "}\n";
        // a latent DisDiff needs a latent parent: the same first stage
        if (!tree.path("firstStage").path("checkpoint").asText("").isBlank()) yaml += "firstStage: " + tree.path("firstStage") + "\n";
        String eff = Families.get(DdpmFamily.NAME).effectiveConfig(yaml, List.of(), "bench parent");
        Checkpoint c;
        var ddpm = Families.get(DdpmFamily.NAME);
        Parents parents = Parents.load(ddpm.parents(eff), org.factorlab.spark.ParentBytes.reader(new org.apache.hadoop.conf.Configuration()));
        try (TrainingSession s = ddpm.open(eff, 0, parents)) {
            c = new Checkpoint(DdpmFamily.NAME, s.state(), Map.of(), Provenance.of(DdpmFamily.NAME, eff, 0, "bench").withParents(parents.lineage()));
        }
        Path p = Files.createTempFile("factorlab-bench-parent", ".zip");
        p.toFile().deleteOnExit();
        Files.write(p, c.toBytes());
        System.out.println("disdiff parent: a ddpm at initialisation with the config's U-Net, " + p);
        return p.toString();
    }

    /** DisDiff's twin: the frozen parent U-Net, G, the part embedding, the encoder and its copy, both losses. */
    private List<String> disdiffCommand(Path script, com.fasterxml.jackson.databind.JsonNode tree) {
        var m = tree.path("model");
        var u = m.path("unet");
        var e = m.path("encoder");
        if (!e.path("norm").asText("batch").equals("batch") || u.path("transformerDepth").asInt(1) != 1 || u.path("dimHead").asInt(0) != 0
                || !u.path("resblockUpdown").asBoolean(true) || tree.path("disentangle").path("detachCondition").asBoolean(false)
                || !tree.path("firstStage").path("checkpoint").asText("").isBlank()) {
            System.out.println("PyTorch side skipped: bench/disdiff_train_step.py twins pixel models with batch-norm encoders, "
                    + "transformer depth 1, dimHead 0, resblockUpdown and detachCondition false only");
            return null;
        }
        return new ArrayList<>(List.of(python, script.toString(), "--image-size", m.path("imageSize").asText(),
                "--channels", m.path("imageChannels").asText(), "--batch", String.valueOf(batch),
                "--model-channels", u.path("modelChannels").asText(), "--channel-mult", joined(u.path("channelMult")),
                "--num-res-blocks", u.path("numResBlocks").asText(), "--attention-ds", joined(u.path("attentionResolutions")),
                "--heads", u.path("numHeads").asText(), "--groups", u.path("groups").asText(),
                "--enc-channels", e.path("channels").asText(), "--enc-downsamples", e.path("downsamples").asText(),
                "--enc-res-blocks", e.path("resBlocks").asText(), "--units", m.path("latentUnit").asText(), "--unit-dim", m.path("unitDim").asText(),
                "--dis-weight", tree.path("disentangle").path("weight").asText(), "--loss", tree.path("diffusion").path("loss").asText(),
                "--lr", tree.path("optimizer").path("lr").asText(), "--ema", tree.path("train").path("emaDecay").asText(),
                "--steps", String.valueOf(steps), "--warmup", String.valueOf(Math.max(1, warmup)), "--threads", String.valueOf(threads)));
    }

    /** vqae's twin with the config's sizes; the discriminator runs where the Java step runs it after the warm-up. */
    private List<String> vqCommand(Path script, com.fasterxml.jackson.databind.JsonNode tree, int size, int channels) {
        var m = tree.path("model");
        var d = tree.path("loss").path("discriminator");
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--image-size", String.valueOf(size), "--channels",
                String.valueOf(channels), "--ch", m.path("ch").asText(), "--ch-mult", joined(m.path("chMult")), "--num-res-blocks",
                m.path("numResBlocks").asText(), "--attn-resolutions", joined(m.path("attnResolutions")), "--z-channels",
                m.path("zChannels").asText(), "--embed-dim", m.path("embedDim").asText(), "--n-embed", m.path("nEmbed").asText(),
                "--groups", m.path("groups").asText(), "--beta", tree.path("loss").path("beta").asText(), "--disc-layers",
                d.path("layers").asText(), "--disc-filters", d.path("filters").asText(), "--lr", tree.path("optimizer").path("lr").asText(),
                "--batch", String.valueOf(batch), "--steps", String.valueOf(steps), "--warmup", String.valueOf(Math.max(1, warmup)),
                "--threads", String.valueOf(threads)));
        if (d.path("enabled").asBoolean() && d.path("start").asLong() <= warmup) cmd.add("--disc");
        return cmd;
    }

    private static String joined(com.fasterxml.jackson.databind.JsonNode list) {
        List<String> out = new ArrayList<>();
        for (var n : list) out.add(n.asText());
        return String.join(",", out);
    }

    private double run(List<String> cmd) throws Exception {
        torchCpuMs = null;
        Process p = twinEnv.start(cmd);
        Double ms = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                if (!line.startsWith("{")) System.out.println("  " + line); // the JSON report of unet_train_step.py
                if (line.startsWith("torch ms/step:")) ms = Double.parseDouble(line.substring("torch ms/step:".length()).trim());
                if (line.startsWith("torch cpu ms/step:")) torchCpuMs = Double.parseDouble(line.substring("torch cpu ms/step:".length()).trim());
            }
        }
        int rc = p.waitFor();
        if (rc != 0 || ms == null) throw new IllegalStateException("PyTorch benchmark failed (exit " + rc + ")");
        return ms;
    }

    private static void printProfile(String title, Map<String, long[]> profile, int rows, int steps, double kernelMs) {
        System.out.printf(Locale.ROOT, "  %-40s calls/step   ms/step  CPU ms/step  share of kernels%n", title);
        profile.entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1])).limit(rows)
                .forEach(e -> System.out.printf(Locale.ROOT, "  %-40s %10d %9.1f %11.1f %8.1f%%%n", e.getKey(), e.getValue()[0] / steps,
                        e.getValue()[1] / 1e6 / steps, e.getValue()[2] / 1e6 / steps, 100 * e.getValue()[1] / 1e6 / steps / kernelMs));
    }
}
