package org.factorlab.inference;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.cli.CliCommand;
import org.factorlab.diffusion.DdimConfig;
import org.factorlab.model.Generator;
import org.factorlab.viz.ImageGrid;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/** {@code factorlab sample}: unconditional DDIM samples of a generative model as a PNG grid. */
@Command(name = "sample", mixinStandardHelpOptions = true,
        description = "Unconditional samples of a generative model (ddpm; disdiff samples its parent): --n images by DDIM from "
                + "seeded x_T, as a PNG grid of about square shape.")
public final class SampleCommand implements CliCommand, Callable<Integer> {
    @Option(names = "--checkpoint", required = true,
            description = "A checkpoint file, or a run directory (its newest checkpoint): local path or Hadoop FileSystem URI.")
    String checkpoint;

    @Option(names = "--output", required = true, description = "PNG file to write.")
    String output;

    @Option(names = "--n", defaultValue = "64", description = "Samples (default ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--steps", defaultValue = "50", description = "DDIM steps (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--eta", defaultValue = "0", description = "DDIM eta: 0 deterministic, 1 DDPM-like (default ${DEFAULT-VALUE}).")
    double eta;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of x_T and of the eta > 0 noise (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--scale", defaultValue = "0", description = "Pixel scale of the grid's cells; 0 picks one for ~96 px cells.")
    int scale;

    @Override
    public Integer call() {
        if (n < 1) throw new IllegalArgumentException("--n: must be >= 1, got " + n);
        Inference.Loaded loaded = Inference.load(checkpoint, new Configuration());
        Generator g = loaded.model().generator().orElseThrow(() -> loaded.model().lacks("unconditional sampler"));
        long t0 = System.nanoTime();
        INDArray x = g.sample(n, DdimConfig.of(steps, eta), seed);
        int cols = (int) Math.ceil(Math.sqrt(n)), rows = (n + cols - 1) / cols;
        int size = loaded.model().imageSize();
        ImageGrid grid = new ImageGrid(rows, cols, scale > 0 ? scale : Math.max(1, 96 / size));
        for (int i = 0; i < n; i++) grid.set(i / cols, i % cols, Inference.image(x, i));
        Path out = Inference.write(grid, output);
        System.out.printf("checkpoint %s (%s), %d samples, %d DDIM steps, eta %s, seed %d, %.1f s%n", loaded.location(),
                loaded.model().family(), n, steps, eta, seed, (System.nanoTime() - t0) / 1e9);
        System.out.println(out);
        return 0;
    }
}
