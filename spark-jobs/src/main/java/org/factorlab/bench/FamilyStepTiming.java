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
import org.factorlab.model.Families;
import org.factorlab.model.ModelFamily;
import org.factorlab.train.GraphSession;
import org.factorlab.train.TrainSettings;
import org.factorlab.train.TrainingSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * One training step of a family's own config, timed in ND4J and (for the VAE families) in the PyTorch twin
 * {@code bench/vae_train_step.py}, in the same run, with the ratio and, for ND4J, the time inside op kernels against
 * everything else (op dispatch, buffer management, the optimizer, Java-side work).
 */
final class FamilyStepTiming {
    /** Families with a PyTorch twin of the same network and loss. */
    private static final List<String> TWINS = List.of("betavae", "betatcvae", "factorvae", "ivae", "vqae");

    private final String model;
    private final String configText;
    private final int batch;
    private final int steps;
    private final int warmup;
    private final String python;
    private final Path twin;
    private final boolean skipPytorch;
    private final int threads;
    private final List<String> overrides;

    FamilyStepTiming(String model, String configText, int batch, int steps, int warmup, String python, Path twin,
                     boolean skipPytorch, int threads, List<String> overrides) {
        this.overrides = overrides;
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
        List<String> sets = new ArrayList<>(List.of("train.batchSize=" + batch));
        sets.addAll(overrides);
        String eff = f.effectiveConfig(configText, sets, model + " config");
        // a synthetic labelled grid, for families whose config depends on the data (iVAE's u)
        DatasetSpec spec = new DatasetSpec("bench", List.of(Factor.ofClasses("a", 10), Factor.ofClasses("b", 10),
                Factor.ofClasses("c", 10), Factor.ofClasses("d", 8), Factor.ofClasses("e", 4), Factor.ofClasses("g", 15)),
                new ImageShape(1, 1, 3));
        eff = f.withData(eff, spec, model + " config");
        var modelSection = org.factorlab.config.ConfigTree.readMapping(eff, "config").path("model");
        int size = modelSection.path("imageSize").asInt(32), channels = modelSection.path("imageChannels").asInt(3);
        TrainSettings t = f.trainSettings(eff);
        Double torchMs = skipPytorch || !TWINS.contains(model) ? null
                : model.equals("vqae") ? torchVq(size, channels, eff) : torch(modelSection.path("latents").asInt(10), size, channels, eff);
        // a latent model's parents (its first stage), and the batch's latents as latent shards would hold them
        org.factorlab.model.Parents parents = org.factorlab.model.Parents.load(f.parents(eff),
                org.factorlab.spark.ParentBytes.reader(new org.apache.hadoop.conf.Configuration()));
        Batch b = batch(size, channels, spec);
        for (var p : parents.all())
            if (p.ref().key().equals(org.factorlab.latent.FirstStageConfig.KEY)) {
                var vq = org.factorlab.vq.VqAutoencoder.fromCheckpoint(p.checkpoint(), p.ref().uri());
                b = new Batch(b.images(), b.factors(), vq.encode(b.images()));
                System.out.printf(Locale.ROOT, "latent model: the U-Net runs on %s latents of %s%n", Arrays.toString(vq.latentShape()), p.ref().uri());
            }
        double[] ms = new double[steps];
        double kernelMs = Double.NaN;
        int ops = -1;
        try (TrainingSession s = f.open(eff, t.seed(), parents)) {
            for (int i = 0; i < warmup; i++) s.step(b);
            for (int i = 0; i < steps; i++) {
                long t0 = System.nanoTime();
                s.step(b);
                ms[i] = (System.nanoTime() - t0) / 1e6;
            }
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
            }
        }
        Arrays.sort(ms);
        double med = ms[ms.length / 2];
        System.out.printf(Locale.ROOT, "%s train step, %dx%dx%d, batch %d, %d timed steps after %d warm-up, ND4J threads %d%n", model,
                size, size, channels, batch, steps, warmup, Nd4j.getEnvironment().maxMasterThreads());
        System.out.println("model      ND4J ms/step  ND4J img/s  kernels ms  bookkeeping ms  PyTorch ms/step  ND4J/PyTorch throughput");
        System.out.printf(Locale.ROOT, "%-10s %12.1f  %10.1f  %10.1f  %14.1f  %15s  %s%n", model, med, batch * 1000 / med, kernelMs,
                Math.max(0, med - kernelMs), torchMs == null ? "-" : String.format(Locale.ROOT, "%.1f", torchMs),
                torchMs == null ? "-" : String.format(Locale.ROOT, "%.2fx", torchMs / med));
        return 0;
    }

    private Batch batch(int size, int channels, DatasetSpec spec) {
        SplittableRandom r = new SplittableRandom(1);
        float[] v = new float[batch * channels * size * size];
        for (int i = 0; i < v.length; i++) v[i] = (float) (r.nextDouble() * 2 - 1);
        int[][] f = new int[batch][spec.factors().size()];
        for (int i = 0; i < batch; i++) for (int k = 0; k < f[i].length; k++) f[i][k] = r.nextInt(spec.factors().get(k).size());
        return new Batch(Nd4j.create(v, new long[]{batch, channels, size, size}, DataType.FLOAT), f);
    }

    /** The vqae twin, {@code bench/vq_train_step.py} beside the VAE twin, with the config's sizes. */
    private Double torchVq(int size, int channels, String eff) throws Exception {
        Path script = twin.resolveSibling("vq_train_step.py");
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
        return runTorch(script, cmd);
    }

    private static String join(com.fasterxml.jackson.databind.JsonNode list) {
        List<String> out = new ArrayList<>();
        for (var n : list) out.add(n.asText());
        return String.join(",", out);
    }

    private Double torch(int latents, int size, int channels, String eff) throws Exception {
        if (!Files.exists(twin)) {
            System.out.println("PyTorch side skipped: " + twin + " not found (run from the repository root)");
            return null;
        }
        var tree = org.factorlab.config.ConfigTree.readMapping(eff, "config");
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
        return runTorch(twin, cmd);
    }

    private Double runTorch(Path script, List<String> cmd) throws Exception {
        if (!Files.exists(script)) {
            System.out.println("PyTorch side skipped: " + script + " not found (run from the repository root)");
            return null;
        }
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
}
