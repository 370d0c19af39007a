package org.factorlab.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import org.factorlab.cli.BenchmarkCommand;
import org.factorlab.nn.CompiledGraph;
import org.factorlab.nn.Encoder4;
import org.factorlab.nn.EncoderConfig;
import org.factorlab.nn.EncoderNorm;
import org.factorlab.nn.GradientCheck;
import org.factorlab.nn.Layers;
import org.factorlab.nn.Scope;
import org.factorlab.nn.TokenConfig;
import org.factorlab.nn.TokenMlps;
import org.factorlab.nn.UNet;
import org.factorlab.nn.UNetConfig;
import org.factorlab.train.optim.Adam;
import org.factorlab.train.optim.OptimizerConfig;
import org.factorlab.train.optim.OptimizerKind;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code factorlab bench train-step}: one EncDiff training step of the reference network (Encoder4 on a 64x64
 * image, 20 token MLPs, LDM U-Net with spatial transformers on a [B, 3, S, S] input, L1 loss, AdamW) in ND4J, and the
 * same network in PyTorch ({@code bench/unet_train_step.py}) in the same run, with the ratio of throughputs; with
 * {@code --config} (or {@code --model}) that config's own training step against its twin ({@link FamilyStepTiming}).
 */
@Command(name = "train-step", mixinStandardHelpOptions = true,
        description = "ms/step and images/s of a training step in ND4J vs PyTorch on this CPU: the EncDiff reference network, "
                + "or with --model a family's own config.")
public final class TrainStepBenchmark implements BenchmarkCommand, Callable<Integer> {
    @Option(names = "--sizes", split = ",", defaultValue = "16,32", description = "U-Net input sides (default ${DEFAULT-VALUE}).")
    List<Integer> sizes;
    @Option(names = "--batch", defaultValue = "64", description = "Batch size (default ${DEFAULT-VALUE}).")
    int batch;
    @Option(names = "--steps", defaultValue = "2", description = "Timed steps; the median is reported (default ${DEFAULT-VALUE}).")
    int steps;
    @Option(names = "--warmup", defaultValue = "-1", description = "Untimed steps first: ND4J once, the twin in each round's process (default " + REFERENCE_WARMUP
            + " on the reference network, " + CONFIG_WARMUP + " with --config or --model: the JVM's step keeps getting faster over its first 30-60 steps).")
    int warmup;
    /** Default warm-up of a config's step: small steps need the JIT's C2 code before they are timed (docs/performance.md). */
    static final int CONFIG_WARMUP = 20;
    /** The reference network's: its first steps after the first still run 10-30% slower (6.4, 5.7, 5.2, then 4.7-5.1 s). */
    static final int REFERENCE_WARMUP = 3;
    @Option(names = "--size-scale", defaultValue = "1.0", description = "Multiplier on the U-Net's model channels 64 (default ${DEFAULT-VALUE}).")
    double sizeScale;
    @Option(names = "--encoder-size", defaultValue = "64", description = "Side of the image Encoder4 sees (default ${DEFAULT-VALUE}).")
    int encoderSize;
    @Option(names = "--threads", defaultValue = "0", description = "Native threads for both frameworks; 0 keeps each default (default ${DEFAULT-VALUE}).")
    int threads;
    @Option(names = "--twin-env", defaultValue = "FACTORLAB", description = "Environment of the PyTorch twin: FACTORLAB (this "
            + "launcher's libgomp and malloc settings, as ND4J runs) or DEFAULT (without them, as the twin runs from a shell) "
            + "(default ${DEFAULT-VALUE}).")
    TwinEnvironment twinEnv = TwinEnvironment.FACTORLAB;
    @Option(names = "--python", defaultValue = "/usr/bin/python3", description = "Python with torch (default ${DEFAULT-VALUE}).")
    String python;
    @Option(names = "--script", defaultValue = "bench/unet_train_step.py", description = "PyTorch side (default ${DEFAULT-VALUE}).")
    Path script;
    @Option(names = "--skip-pytorch", description = "Time ND4J only.")
    boolean skipPytorch;
    @Option(names = "--executors", split = ",", defaultValue = "compiled,samediff",
            description = "ND4J executors to time: compiled (CompiledGraph, what training uses), samediff (sd.calculateGradients) "
                    + "(default ${DEFAULT-VALUE}).")
    List<Executor> executors;

    @Option(names = "--attention-sides", split = ",", defaultValue = "16,8,4",
            description = "Feature-map sides that get a spatial transformer (the reference's 'attention at 16/8/4'): "
                    + "downsampling factors 1,2,4 on a 16x16 input, 2,4,8 on 32x32 (default ${DEFAULT-VALUE}).")
    List<Integer> attentionSides;

    @Option(names = "--profile", description = "Print the compiled executor's time per op type over the timed steps "
            + "(with --model/--config: per op type and input shapes).")
    boolean profile;

    @Option(names = "--model", description = "Time this family's own training step (its --config, default conf/<model>-pixel32.yaml) "
            + "instead of the EncDiff reference network; VAE families are compared with bench/vae_train_step.py.")
    String model;

    @Option(names = "--config", description = "A model config to time (its family from --model, else from the file name: "
            + "conf/<family>-*.yaml or conf/smoke/<family>.yaml); with --model alone, conf/<model>-pixel32.yaml, else the family's defaults.")
    Path config;

    @Option(names = "--rounds", defaultValue = "1", description = "With --model/--config: alternate the PyTorch twin and "
            + "ND4J this many times in one run (each round --steps steps of each), so load changes hit both (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--vae-script", defaultValue = "bench/vae_train_step.py", description = "PyTorch twin of the VAE families (default ${DEFAULT-VALUE}).")
    Path vaeScript;

    @Option(names = "--disdiff-script", defaultValue = "bench/disdiff_train_step.py", description = "PyTorch twin of DisDiff (default ${DEFAULT-VALUE}).")
    Path disdiffScript;

    @Option(names = "--set", description = "With --model: a config override key.path=value (repeatable), e.g. --set model.latentUnit=4.")
    List<String> sets = new ArrayList<>();

    @Option(names = "--elementwise-threshold", defaultValue = "0",
            description = "libnd4j: element-wise ops on fewer elements run on one thread; 0 keeps its default (default ${DEFAULT-VALUE}).")
    int elementwiseThreshold;

    @Option(names = "--tad-threshold", defaultValue = "0",
            description = "libnd4j: reductions over fewer sub-arrays (TADs) run on one thread; 0 keeps its default (default ${DEFAULT-VALUE}).")
    int tadThreshold;

    @Option(names = "--no-helpers", description = "libnd4j: switch its platform helpers (oneDNN conv, matmul, batch norm) off, "
            + "to see what they contribute.")
    boolean noHelpers;

    /** How the ND4J side runs the same gradient graph. */
    enum Executor { compiled, samediff }

    @Override
    public Integer call() throws Exception {
        if (threads > 0) {
            Nd4j.getEnvironment().setMaxThreads(threads);
            Nd4j.getEnvironment().setMaxMasterThreads(threads);
        }
        var env = Nd4j.getEnvironment();
        if (elementwiseThreshold > 0) env.setElementwiseThreshold(elementwiseThreshold);
        if (tadThreshold > 0) env.setTadThreshold(tadThreshold);
        if (noHelpers) env.allowHelpers(false);
        System.out.printf(Locale.ROOT, "ND4J: %d threads, elementwise threshold %d, TAD threshold %d, helpers %s; %s%n",
                env.maxThreads(), env.elementwiseThreshold(), env.tadThreshold(), env.helpersAllowed() ? "on" : "off",
                TwinEnvironment.launcherSettings());
        if (model == null && config != null) model = familyOf(config);
        if (warmup < 0) warmup = model != null ? CONFIG_WARMUP : REFERENCE_WARMUP;
        if (model != null) {
            Path cfg = config != null ? config : Path.of("conf", model + "-pixel32.yaml");
            String text = config != null || Files.exists(cfg) ? Files.readString(cfg) : "";
            // --batch defaults to 64 for the reference network; a config's own batch size is the default here
            Integer b = batchGiven() ? batch : null;
            return new FamilyStepTiming(model, text, b, Math.max(steps, 1), warmup, python, vaeScript, script, disdiffScript,
                    skipPytorch, threads, Math.max(rounds, 1), sets).byShape(profile).twinEnvironment(twinEnv).run();
        }
        int mc = Math.max(8, (int) Math.round(64 * sizeScale));
        List<Integer> mult = List.of(1, 2, 4, 4);
        int groups = Layers.groupsFor(mc, 32);
        System.out.printf(Locale.ROOT, "EncDiff train step: U-Net model_channels %d, channel_mult %s, attention on %s feature maps, "
                + "8 heads, Encoder4 on %dx%d, batch %d, %d timed step(s) after %d warm-up; ND4J threads %d%n",
                mc, mult, attentionSides, encoderSize, encoderSize, batch, steps, warmup, Nd4j.getEnvironment().maxMasterThreads());
        // PyTorch first: its process must not compete with the ND4J arrays this JVM holds afterwards (at 32x32 both
        // together outgrow 24 GB)
        Map<Integer, Double> torch = skipPytorch ? Map.of() : timeTorch(mc, groups);
        Map<String, double[]> nd4j = new LinkedHashMap<>();
        for (int s : sizes)
            for (Executor e : executors) {
                nd4j.put(s + "/" + e, timeNd4j(s, mc, mult, groups, e));
                System.gc(); // the previous graph's off-heap buffers go when their Java owners are collected
            }
        System.out.println();
        System.out.println("input  ND4J executor  ND4J ms/step  ND4J img/s  PyTorch ms/step  PyTorch img/s  ND4J/PyTorch throughput");
        for (int s : sizes) {
            for (Executor e : executors) {
                double ms = nd4j.get(s + "/" + e)[0];
                Double tms = torch.get(s);
                System.out.printf(Locale.ROOT, "%2dx%-2d  %13s  %12.0f  %10.2f  %15s  %13s  %s%n", s, s, e, ms, batch * 1000 / ms,
                        tms == null ? "-" : String.format(Locale.ROOT, "%.0f", tms),
                        tms == null ? "-" : String.format(Locale.ROOT, "%.2f", batch * 1000 / tms),
                        tms == null ? "-" : String.format(Locale.ROOT, "%.2fx", tms / ms));
            }
        }
        return 0;
    }

    @picocli.CommandLine.Spec
    picocli.CommandLine.Model.CommandSpec spec;

    private boolean batchGiven() {
        return spec != null && spec.commandLine() != null && spec.commandLine().getParseResult() != null
                && spec.commandLine().getParseResult().hasMatchedOption("--batch");
    }

    /**
     * The family a config file belongs to, from its name: {@code conf/smoke/<family>.yaml}, else the longest family
     * name that {@code <family>-...yaml} starts with ({@code ivae-ddpm-pixel32.yaml} is ivae-ddpm, not ivae).
     */
    static String familyOf(Path config) {
        String stem = config.getFileName().toString().replaceFirst("\\.ya?ml$", "");
        String best = null;
        for (String f : org.factorlab.model.Families.names())
            if ((stem.equals(f) || stem.startsWith(f + "-")) && (best == null || f.length() > best.length())) best = f;
        if (best == null)
            throw new IllegalArgumentException(config + ": cannot tell the model family from the file name; pass --model (one of "
                    + String.join(", ", org.factorlab.model.Families.names()) + ")");
        return best;
    }

    /** The downsampling factors whose feature maps have one of {@code attentionSides} on a size x size input. */
    private List<Integer> attentionDs(int size, int levels) {
        List<Integer> ds = new ArrayList<>();
        for (int side : attentionSides)
            if (size % side == 0 && Integer.bitCount(size / side) == 1 && size / side < (1 << levels)) ds.add(size / side);
        return ds;
    }

    /** Returns {median ms/step, parameter count}. */
    private double[] timeNd4j(int size, int mc, List<Integer> mult, int groups, Executor executor) {
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, DataType.FLOAT, 0);
        SDVariable x0 = sd.placeHolder("x0", DataType.FLOAT, -1, 3, encoderSize, encoderSize);
        SDVariable xt = sd.placeHolder("x_t", DataType.FLOAT, -1, 3, size, size);
        SDVariable t = sd.placeHolder("t", DataType.FLOAT, -1);
        SDVariable target = sd.placeHolder("target", DataType.FLOAT, -1, 3, size, size);
        UNetConfig u = new UNetConfig(3, 3, size, mc, mult, 2, attentionDs(size, mult.size()), List.of(), 8, 0, groups, true, 1);
        SDVariable pred;
        // SameDiff's own executor cannot run the fused GroupNorm: that graph writes it out
        try (var form = executor == Executor.samediff ? Layers.writtenOut() : null) {
            var enc = Encoder4.build(root.child("enc"), new EncoderConfig(3, encoderSize, 128, 4, 2, 20, EncoderNorm.BATCH, 0.1), x0,
                    Encoder4.Mode.TRAIN);
            SDVariable tokens = TokenMlps.tokens(root.child("tok"), new TokenConfig(TokenConfig.TokenKind.SCALAR, 20, 16, 64, 128), enc.code());
            pred = UNet.build(root.child("unet"), u, xt, t, tokens, 20, 16, null, 0);
        }
        sd.math().abs(pred.sub(target)).mean("loss");
        sd.setLossVariables("loss");
        List<String> params = GradientCheck.trainable(sd);
        Map<String, INDArray> arrays = new LinkedHashMap<>();
        long n = 0;
        for (String p : params) {
            arrays.put(p, sd.getArrForVarName(p));
            n += sd.getArrForVarName(p).length();
        }
        Adam adam = new Adam(new OptimizerConfig(OptimizerKind.ADAMW, 1e-4, 0.9, 0.999, 1e-8, 0.01, 0, 0), arrays);
        Nd4j.getRandom().setSeed(0);
        Map<String, INDArray> ph = Map.of("x0", Nd4j.rand(DataType.FLOAT, batch, 3, encoderSize, encoderSize),
                "x_t", Nd4j.randn(DataType.FLOAT, batch, 3, size, size), "t", Nd4j.rand(DataType.FLOAT, batch).muli(999),
                "target", Nd4j.randn(DataType.FLOAT, batch, 3, size, size));
        long tb = System.nanoTime();
        CompiledGraph compiled = executor == Executor.compiled ? CompiledGraph.gradients(sd, List.of(), params) : null;
        System.out.printf(Locale.ROOT, "ND4J %dx%d (%s): attention at ds %s, %,d parameters, %d graph ops%s%n", size, size, executor,
                u.attentionResolutions(), n, sd.getOps().size(),
                compiled == null ? "" : String.format(Locale.ROOT, ", %d ops with gradients, gradient graph built in %.1f s",
                        compiled.opCount(), (System.nanoTime() - tb) / 1e9));
        double[] ms = new double[steps];
        long adamNanos = 0;
        for (int i = 0; i < warmup + steps; i++) {
            if (compiled != null && i == warmup) compiled.setProfiling(profile);
            long t0 = System.nanoTime();
            var g = executor == Executor.compiled ? compiled.run(ph) : sd.calculateGradients(ph, params);
            long ta = System.nanoTime();
            adam.apply(i, arrays, g);
            if (i >= warmup) adamNanos += System.nanoTime() - ta;
            double el = (System.nanoTime() - t0) / 1e6;
            System.out.printf(Locale.ROOT, "  ND4J %dx%d %s step %d: %.0f ms%s%n", size, size, executor, i, el, i < warmup ? " (warm-up)" : "");
            if (i >= warmup) ms[i - warmup] = el;
        }
        if (compiled != null && profile) printProfile(compiled.profile(), steps, Arrays.stream(ms).sum(), adamNanos / 1e6);
        Arrays.sort(ms);
        return new double[]{ms[ms.length / 2], n};
    }

    private static void printProfile(Map<String, long[]> prof, int steps, double totalMs, double adamMs) {
        double opsMs = prof.values().stream().mapToLong(c -> c[1]).sum() / 1e6;
        System.out.printf(Locale.ROOT, "  profile over %d step(s): %.0f ms per step, of which ops %.0f ms, optimizer %.0f ms, rest %.0f ms%n",
                steps, totalMs / steps, opsMs / steps, adamMs / steps, (totalMs - opsMs - adamMs) / steps);
        System.out.println("  op type                      calls/step   ms/step  share of ops");
        prof.entrySet().stream().sorted((a, b) -> Long.compare(b.getValue()[1], a.getValue()[1])).limit(20)
                .forEach(e -> System.out.printf(Locale.ROOT, "  %-28s %10d %9.1f %8.1f%%%n", e.getKey(), e.getValue()[0] / steps,
                        e.getValue()[1] / 1e6 / steps, 100 * e.getValue()[1] / 1e6 / opsMs));
    }

    private Map<Integer, Double> timeTorch(int mc, int groups) throws Exception {
        if (!Files.exists(script)) {
            System.out.println("PyTorch side skipped: " + script + " not found (run from the repository root)");
            return Map.of();
        }
        List<String> cmd = new ArrayList<>(List.of(python, script.toString(), "--batch", String.valueOf(batch),
                "--steps", String.valueOf(steps), "--warmup", String.valueOf(Math.max(1, warmup)),
                "--model-channels", String.valueOf(mc), "--norm-groups", String.valueOf(groups),
                "--encoder-input-size", String.valueOf(encoderSize), "--threads", String.valueOf(threads),
                "--attention-sides", String.join(",", attentionSides.stream().map(String::valueOf).toList()),
                "--input-size", String.join(",", sizes.stream().map(String::valueOf).toList())));
        Process p = twinEnv.start(cmd);
        String last = null;
        try (BufferedReader r = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
            for (String line; (line = r.readLine()) != null; ) if (!line.isBlank()) last = line;
        }
        int rc = p.waitFor();
        if (rc != 0 || last == null) throw new IllegalStateException("PyTorch benchmark failed (exit " + rc + ")");
        JsonNode json = new ObjectMapper().readTree(last);
        Map<Integer, Double> out = new LinkedHashMap<>();
        for (JsonNode res : json.path("results")) {
            out.put(res.path("input_size").asInt(), res.path("ms_per_step").asDouble());
            int side = res.path("input_size").asInt();
            System.out.printf(Locale.ROOT, "PyTorch %dx%d: %,d parameters%n", side, side, res.path("params").asLong());
        }
        return out;
    }
}
