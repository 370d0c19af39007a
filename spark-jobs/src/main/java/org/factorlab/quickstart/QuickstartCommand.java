package org.factorlab.quickstart;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.factorlab.cli.CliCommand;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code factorlab quickstart}: the whole pipeline on one machine in minutes — render a small Shapes3D-like data set
 * to {@code file://} shards, train EncDiff on Spark {@code local[*]} with parameter averaging, encode and score it
 * with the evaluation stage, and write an HTML report. See {@link Quickstart}.
 */
@Command(name = "quickstart", mixinStandardHelpOptions = true,
        description = {"Render a small Shapes3D-like data set, train EncDiff on Spark local[*] with parameter averaging "
                + "within a time budget, compute the disentanglement metrics, and write an HTML report (printed at the end).",
                "Default: 16x16 images, 192 of them; about 9 minutes on 2 cores."})
public final class QuickstartCommand implements Callable<Integer>, CliCommand {
    @Option(names = "--output", defaultValue = "quickstart-out", description = "Output directory (default ${DEFAULT-VALUE}); must not hold an earlier quickstart.")
    Path output;

    @Option(names = "--minutes", defaultValue = "9", description = "Wall-time budget of the whole quickstart in minutes; training stops early to meet it (default ${DEFAULT-VALUE}).")
    double minutes;

    @Option(names = "--config", description = "EncDiff config YAML (default: conf/encdiff-quickstart.yaml of the installation).")
    Path config;

    @Option(names = "--size", defaultValue = "16", description = "Image size in pixels; must match the config's model.imageSize (default ${DEFAULT-VALUE}).")
    int size;

    @Option(names = "--factor", paramLabel = "NAME=CLASSES", description = "Shapes3D factor restriction (repeatable; default: "
            + "floor_hue=0,5 wall_hue=0,5 object_hue=0,3,6 scale=0,2,5,7 orientation=7; all 4 shapes).")
    List<String> factors = new ArrayList<>();

    @Option(names = "--workers", description = "Spark workers (default: cores, at most 4).")
    Integer workers;

    @Option(names = "--rounds", defaultValue = "10000", description = "Averaging rounds at most; the time budget usually ends training first (default ${DEFAULT-VALUE}).")
    int rounds;

    @Option(names = "--averaging-frequency", defaultValue = "5", description = "Steps per worker between averagings (default ${DEFAULT-VALUE}).")
    int averagingFrequency;

    @Option(names = "--batch-size-per-worker", defaultValue = "8", description = "Minibatch per worker (default ${DEFAULT-VALUE}).")
    int batchSizePerWorker;

    @Option(names = "--metrics", defaultValue = "all", description = "Metrics to compute (default ${DEFAULT-VALUE}).")
    String metrics;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of rendering order, model and data order (default ${DEFAULT-VALUE}).")
    long seed;

    @Override
    public Integer call() throws Exception {
        Path cfg = config != null ? config : defaultConfig();
        String text = Files.readString(cfg, StandardCharsets.UTF_8);
        int w = workers != null ? workers : Math.min(4, Runtime.getRuntime().availableProcessors());
        var opts = new Quickstart.Options(output, minutes * 60, cfg.getFileName().toString(), text, size,
                factors.isEmpty() ? Quickstart.DEFAULT_FACTORS : List.copyOf(factors), w, rounds, averagingFrequency,
                batchSizePerWorker, metrics, seed);
        Quickstart.Result r = Quickstart.run(opts);
        System.out.println();
        System.out.print(r.metricsMarkdown());
        System.out.printf("%nquickstart finished in %.1f s (render %.1f s, train %.1f s for %d rounds, evaluate %.1f s, report %.1f s)%n",
                r.totalSeconds(), r.renderSeconds(), r.trainSeconds(), r.rounds(), r.evaluateSeconds(), r.reportSeconds());
        System.out.println("report: " + r.report().toAbsolutePath());
        return 0;
    }

    /** conf/encdiff-quickstart.yaml under the installation (bin/factorlab sets factorlab.home), else the working directory. */
    static Path defaultConfig() {
        String home = System.getProperty("factorlab.home");
        Path p = Path.of(home != null ? home : ".", "conf", "encdiff-quickstart.yaml");
        if (!Files.isRegularFile(p))
            throw new IllegalArgumentException("--config: default " + p.toAbsolutePath() + " not found; pass --config FILE");
        return p;
    }
}
