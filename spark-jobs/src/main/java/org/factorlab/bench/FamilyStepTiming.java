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
import org.factorlab.model.Families;
import org.factorlab.model.Parents;
import org.factorlab.provenance.Provenance;
import org.factorlab.train.Checkpoint;
import org.factorlab.model.ModelFamily;
import org.factorlab.train.GraphSession;
import org.factorlab.train.TrainSettings;
import org.factorlab.train.TrainingSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One training step of a family's own config, timed in ND4J and in a PyTorch twin ({@code bench/vae_train_step.py} for
 * the VAE families, {@code bench/ivae_ddpm_train_step.py} for ivae-ddpm, {@code bench/disdiff_train_step.py} for DisDiff,
 * whose parent is a fresh ddpm unless the config names one), in the same run, with the ratio and, for ND4J, the time
 * inside op kernels against
 * everything else (op dispatch, buffer management, the optimizer, Java-side work).
 */
final class FamilyStepTiming {
    /** Families with a PyTorch twin of the same network and loss. */
    private static final List<String> TWINS = List.of("betavae", "betatcvae", "factorvae", "ivae", "ivae-ddpm", "vqae");
    /** ivae-ddpm's twin, beside the VAE twin: {@code bench/ivae_ddpm_train_step.py}. */
    private static final String IVAE_DDPM_TWIN = "ivae_ddpm_train_step.py";

    private final String model;
    private final String configText;
    private final int batch;
    private final int steps;
    private final int warmup;
    private final String python;
    private final Path twin;
    private final boolean skipPytorch;
    private final int threads;
    /** The twin's process CPU time per step, where it reports one. */
    private Double torchCpuMs;

    private final List<String> overrides;
    private final Path disdiffTwin;

    FamilyStepTiming(String model, String configText, int batch, int steps, int warmup, String python, Path twin,
                     boolean skipPytorch, int threads, List<String> overrides, Path disdiffTwin) {
        this.overrides = List.copyOf(overrides);
        this.disdiffTwin = disdiffTwin;
        this.model = model;
        this.configText = configText;
        this.batch = batch;
        this.steps = steps;
        this.warmup = warmup;
        this.python = python;
        this.twin = twin;
        this.skipPytorch = skipPytorch;
        this.threads = threads;
    }

    int run() throws Exception {
        ModelFamily f = Families.get(model);
        List<String> sets = new ArrayList<>(overrides);
        sets.add("train.batchSize=" + batch);
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
        Double torchMs = skipPytorch ? null
                : model.equals(DisDiffFamily.NAME) ? disdiffTorch(eff)
                : model.equals("vqae") ? torchVq(size, channels, eff)
                : !TWINS.contains(model) ? null : torch(modelSection.path("latents").asInt(10), size, channels, eff);
        Parents parents = Parents.load(f.parents(eff), org.factorlab.spark.ParentBytes.reader(new org.apache.hadoop.conf.Configuration()));
        Batch b = batch(size, channels, spec);
        // a latent model's batches carry its first stage's latents, as latent shards give them
        for (var p : parents.all())
            if (p.ref().key().equals(org.factorlab.latent.FirstStageConfig.KEY)) {
                var vq = org.factorlab.vq.VqAutoencoder.fromCheckpoint(p.checkpoint(), p.ref().uri());
                b = new Batch(b.images(), b.factors(), vq.encode(b.images()));
                System.out.printf(Locale.ROOT, "latent model: the U-Net runs on %s latents of %s%n", Arrays.toString(vq.latentShape()), p.ref().uri());
            }
        double[] ms = new double[steps];
        double kernelMs = Double.NaN;
        double cpuMs = Double.NaN;
        int ops = -1;
        try (TrainingSession s = f.open(eff, t.seed(), parents)) {
            long count = 0;
            for (var a : s.parameters().values()) count += a.length();
            System.out.printf(Locale.ROOT, "ND4J: %,d parameters in the session's state (trainable, with any running statistics)%n", count);
            for (int i = 0; i < warmup; i++) s.step(b);
            long cpu0 = processCpuNanos();
            for (int i = 0; i < steps; i++) {
                long t0 = System.nanoTime();
                s.step(b);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
            cpuMs = (processCpuNanos() - cpu0) / 1e6 / steps;
            if (s instanceof GraphSession g) {
                ops = g.opCount();
                g.setProfiling(true);
                long t0 = System.nanoTime();
                for (int i = 0; i < steps; i++) s.step(b);
                double profiledMs = (System.nanoTime() - t0) / 1e6 / steps;
                long kernelNanos = 0;
                for (long[] v : g.profile().values()) kernelNanos += v[1];
                kernelMs = kernelNanos / 1e6 / steps;
                System.out.printf(Locale.ROOT, "profiled pass: %.1f ms/step, of which %.1f ms inside %d op kernels per step%n", profiledMs,
                        kernelMs, ops);
                System.out.println("  op type                      calls/step   ms/step");
                g.profile().entrySet().stream().sorted((x, y) -> Long.compare(y.getValue()[1], x.getValue()[1])).limit(8)
                        .forEach(en -> System.out.printf(Locale.ROOT, "  %-28s %10d %9.1f%n", en.getKey(), en.getValue()[0] / steps,
                                en.getValue()[1] / 1e6 / steps));
            }
        }
        Arrays.sort(ms);
        double med = ms[ms.length / 2];
        // CPU time does not grow with other processes' load: on a busy machine it sizes budgets better than wall time
        System.out.printf(Locale.ROOT, "ND4J process CPU time: %.1f ms/step (all threads)%s%n", cpuMs,
                torchCpuMs == null ? "" : String.format(Locale.ROOT, "; PyTorch %.1f ms/step", torchCpuMs));
        System.out.printf(Locale.ROOT, "%s train step, %dx%dx%d, batch %d, %d timed steps after %d warm-up, ND4J threads %d%n", model,
                size, size, channels, batch, steps, warmup, Nd4j.getEnvironment().maxMasterThreads());
        System.out.println("model      ND4J ms/step  ND4J img/s  kernels ms  bookkeeping ms  PyTorch ms/step  ND4J/PyTorch throughput");
        System.out.printf(Locale.ROOT, "%-10s %12.1f  %10.1f  %10.1f  %14.1f  %15s  %s%n", model, med, batch * 1000 / med, kernelMs,
                Math.max(0, med - kernelMs), torchMs == null ? "-" : String.format(Locale.ROOT, "%.1f", torchMs),
                torchMs == null ? "-" : String.format(Locale.ROOT, "%.2fx", torchMs / med));
        return 0;
    }

    /** CPU time of this process, all threads (native ones included). */
    private static long processCpuNanos() {
        var os = java.lang.management.ManagementFactory.getOperatingSystemMXBean();
        return os instanceof com.sun.management.OperatingSystemMXBean sun ? sun.getProcessCpuTime() : -1;
    }

    /**
     * A ddpm parent at initialisation with the U-Net and diffusion settings of a disdiff config, written to a temporary
     * checkpoint: the step time does not depend on the parent's weights.
     */
    private static String freshParent(String disdiffEff) throws java.io.IOException {
        var tree = org.factorlab.config.ConfigTree.readMapping(disdiffEff, "config");
        var m = tree.path("model");
        String yaml = "model: {imageSize: " + m.path("imageSize").asInt() + ", imageChannels: " + m.path("imageChannels").asInt()
                + ", unet: " + m.path("unet") + "}\ndiffusion: {schedule: " + tree.path("diffusion").path("schedule")
                + ", parameterization: " + tree.path("diffusion").path("parameterization").asText() + "}\n";
        String eff = Families.get(DdpmFamily.NAME).effectiveConfig(yaml, List.of(), "bench parent");
        Checkpoint c;
        try (TrainingSession s = Families.open(DdpmFamily.NAME, eff, 0)) {
            c = new Checkpoint(DdpmFamily.NAME, s.state(), Map.of(), Provenance.of(DdpmFamily.NAME, eff, 0, "bench"));
        }
        Path p = Files.createTempFile("factorlab-bench-parent", ".zip");
        p.toFile().deleteOnExit();
        Files.write(p, c.toBytes());
        System.out.println("disdiff parent: a ddpm at initialisation with the config's U-Net, " + p);
        return p.toString();
    }

    /** The PyTorch twin of DisDiff's step (bench/disdiff_train_step.py) with this config's sizes. */
    private Double disdiffTorch(String eff) throws Exception {
        if (!Files.exists(disdiffTwin)) {
            System.out.println("PyTorch side skipped: " + disdiffTwin + " not found (run from the repository root)");
            return null;
        }
        var tree = org.factorlab.config.ConfigTree.readMapping(eff, "config");
        var m = tree.path("model");
        var u = m.path("unet");
        var e = m.path("encoder");
        if (!e.path("norm").asText("batch").equals("batch") || u.path("transformerDepth").asInt(1) != 1 || u.path("dimHead").asInt(0) != 0
                || !u.path("resblockUpdown").asBoolean(true) || tree.path("disentangle").path("detachCondition").asBoolean(false))
            throw new IllegalArgumentException("bench/disdiff_train_step.py twins batch-norm encoders, transformer depth 1, dimHead 0, "
                    + "resblockUpdown and detachCondition false only");
        List<String> cmd = new ArrayList<>(List.of(python, disdiffTwin.toString(), "--image-size", m.path("imageSize").asText(),
                "--channels", m.path("imageChannels").asText(), "--batch", String.valueOf(batch),
                "--model-channels", u.path("modelChannels").asText(), "--channel-mult", join(u.path("channelMult")),
                "--num-res-blocks", u.path("numResBlocks").asText(), "--attention-ds", join(u.path("attentionResolutions")),
                "--heads", u.path("numHeads").asText(), "--groups", u.path("groups").asText(),
                "--enc-channels", e.path("channels").asText(), "--enc-downsamples", e.path("downsamples").asText(),
                "--enc-res-blocks", e.path("resBlocks").asText(), "--units", m.path("latentUnit").asText(), "--unit-dim", m.path("unitDim").asText(),
                "--dis-weight", tree.path("disentangle").path("weight").asText(), "--loss", tree.path("diffusion").path("loss").asText(),
                "--lr", tree.path("optimizer").path("lr").asText(), "--ema", tree.path("train").path("emaDecay").asText(),
                "--steps", String.valueOf(steps), "--warmup", String.valueOf(Math.max(1, warmup)), "--threads", String.valueOf(threads)));
        System.out.println("PyTorch: " + String.join(" ", cmd));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Double ms = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                System.out.println("  " + line);
                if (line.startsWith("torch ms/step:")) ms = Double.parseDouble(line.substring("torch ms/step:".length()).trim());
            }
        }
        int rc = p.waitFor();
        if (rc != 0 || ms == null) throw new IllegalStateException("PyTorch benchmark failed (exit " + rc + ")");
        return ms;
    }

    private static String join(com.fasterxml.jackson.databind.JsonNode list) {
        List<String> out = new ArrayList<>();
        for (var n : list) out.add(n.asText());
        return String.join(",", out);
    }

    /** The vqae twin, {@code bench/vq_train_step.py} beside the VAE twin, with the config's sizes. */
    private Double torchVq(int size, int channels, String eff) throws Exception {
        Path script = twin.resolveSibling("vq_train_step.py");
        if (!Files.exists(script)) {
            System.out.println("PyTorch side skipped: " + script + " not found (run from the repository root)");
            return null;
        }
        var tree = org.factorlab.config.ConfigTree.readMapping(eff, "config");
        var m = tree.path("model");
        var d = tree.path("loss").path("discriminator");
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--image-size", String.valueOf(size), "--channels",
                String.valueOf(channels), "--ch", m.path("ch").asText(), "--ch-mult", join(m.path("chMult")), "--num-res-blocks",
                m.path("numResBlocks").asText(), "--attn-resolutions", join(m.path("attnResolutions")), "--z-channels",
                m.path("zChannels").asText(), "--embed-dim", m.path("embedDim").asText(), "--n-embed", m.path("nEmbed").asText(),
                "--groups", m.path("groups").asText(), "--beta", tree.path("loss").path("beta").asText(), "--disc-layers",
                d.path("layers").asText(), "--disc-filters", d.path("filters").asText(), "--lr", tree.path("optimizer").path("lr").asText(),
                "--batch", String.valueOf(batch), "--steps", String.valueOf(steps), "--warmup", String.valueOf(Math.max(1, warmup)),
                "--threads", String.valueOf(threads)));
        // the Java step runs the discriminator only from loss.discriminator.start; the twin then too
        if (d.path("enabled").asBoolean() && d.path("start").asLong() <= warmup) cmd.add("--disc");
        return run(cmd);
    }

    private Batch batch(int size, int channels, DatasetSpec spec) {
        SplittableRandom r = new SplittableRandom(1);
        float[] v = new float[batch * channels * size * size];
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
        int[][] f = new int[batch][spec.factors().size()];
        for (int i = 0; i < batch; i++) for (int k = 0; k < f[i].length; k++) f[i][k] = r.nextInt(spec.factors().get(k).size());
        return new Batch(Nd4j.create(v, new long[]{batch, channels, size, size}, DataType.FLOAT), f);
    }

    private Double torch(int latents, int size, int channels, String eff) throws Exception {
        Path script = model.equals("ivae-ddpm") ? twin.resolveSibling(IVAE_DDPM_TWIN) : twin;
        if (!Files.exists(script)) {
            System.out.println("PyTorch side skipped: " + script + " not found (run from the repository root)");
            return null;
        }
        var tree = org.factorlab.config.ConfigTree.readMapping(eff, "config");
        if (model.equals("ivae-ddpm")) return run(ivaeDdpmCommand(script, tree, latents, size, channels));
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
        return run(cmd);
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
                "--model-channels", unet.path("modelChannels").asText(), "--channel-mult", join(unet.path("channelMult")),
                "--num-res-blocks", unet.path("numResBlocks").asText(), "--attention-resolutions", join(unet.path("attentionResolutions")),
                "--heads", unet.path("numHeads").asText(), "--norm-groups", unet.path("groups").asText(),
                "--lambda-rec", tree.path("objective").path("lambdaRec").asText(), "--lambda-kl", tree.path("objective").path("lambdaKl").asText(),
                "--lr", tree.path("optimizer").path("lr").asText(),
                "--steps", String.valueOf(steps), "--warmup", String.valueOf(Math.max(1, warmup)), "--threads", String.valueOf(threads)));
        if (!tree.path("gumbel").path("groups").asText("0").equals("0") || tree.path("klBalancing").path("enabled").asBoolean())
            System.out.println("note: the PyTorch twin times the Gaussian iVAE with the plain KL (Gumbel groups and KL balancing cost little)");
        return cmd;
    }

    private Double run(List<String> cmd) throws Exception {
        System.out.println("PyTorch: " + String.join(" ", cmd));
        Process p = new ProcessBuilder(cmd).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        Double ms = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) {
                System.out.println("  " + line);
                if (line.startsWith("torch ms/step:")) ms = Double.parseDouble(line.substring("torch ms/step:".length()).trim());
                if (line.startsWith("torch cpu ms/step:")) torchCpuMs = Double.parseDouble(line.substring("torch cpu ms/step:".length()).trim());
            }
        }
        int rc = p.waitFor();
        if (rc != 0 || ms == null) throw new IllegalStateException("PyTorch benchmark failed (exit " + rc + ")");
        return ms;
    }
}
