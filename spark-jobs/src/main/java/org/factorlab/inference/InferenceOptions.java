package org.factorlab.inference;

import org.factorlab.diffusion.DdimConfig;
import org.factorlab.model.Decoding;
import picocli.CommandLine.Option;

/** The options every picture-making command shares. */
public final class InferenceOptions {
    @Option(names = "--checkpoint", required = true,
            description = "A checkpoint file, or a run directory (its newest checkpoint): local path or Hadoop FileSystem URI.")
    String checkpoint;

    @Option(names = "--data", required = true, description = "Shards (Hadoop FileSystem URI or local path); images are taken in stored order.")
    String data;

    @Option(names = "--output", required = true, description = "PNG file to write.")
    String output;

    @Option(names = "--offset", defaultValue = "0", description = "First row of --data to use (default ${DEFAULT-VALUE}).")
    long offset;

    @Option(names = "--steps", defaultValue = "50", description = "DDIM steps of diffusion decoders (default ${DEFAULT-VALUE}).")
    int steps;

    @Option(names = "--eta", defaultValue = "0", description = "DDIM eta: 0 deterministic, 1 DDPM-like (default ${DEFAULT-VALUE}).")
    double eta;

    @Option(names = "--seed", defaultValue = "0", description = "Seed of x_T and of the eta > 0 noise (default ${DEFAULT-VALUE}).")
    long seed;

    @Option(names = "--start", defaultValue = "NOISE",
            description = "Where decoding starts: NOISE (seeded Gaussian x_T) or INVERTED (the DDIM-inverted x_T of the image) (default ${DEFAULT-VALUE}).")
    Decoding.Start start;

    @Option(names = "--decoder", defaultValue = "all",
            description = "Models with several decoders (ivae-ddpm: ivae, ddpm): which one draws; 'all' draws each side by side where "
                    + "the command can (traverse), else the model's own (default ${DEFAULT-VALUE}).")
    String decoder;

    @Option(names = "--scale", defaultValue = "0", description = "Pixel scale of the grid's cells; 0 picks one for ~96 px cells.")
    int scale;

    /**
     * The decoders to draw, by name: the model's decoders (all, or the one {@code --decoder} names), or the model's
     * own decoder alone under the empty name when it has no others.
     */
    java.util.Map<String, Decoding> decoders(Decoding d, boolean sideBySide) {
        java.util.Map<String, Decoding> all = d.decoders();
        if (all.isEmpty()) {
            if (!decoder.equals("all")) throw new IllegalArgumentException("--decoder " + decoder + ": this model has one decoder; leave --decoder out");
            return java.util.Map.of("", d);
        }
        if (decoder.equals("all")) return sideBySide ? all : java.util.Map.of("", d);
        Decoding one = all.get(decoder);
        if (one == null) throw new IllegalArgumentException("--decoder " + decoder + ": not one of " + all.keySet() + " or all");
        return java.util.Map.of(decoder, one);
    }

    DdimConfig ddim() {
        return DdimConfig.of(steps, eta);
    }

    /** The decoding options with --start. */
    Decoding.Options decode() {
        return decode(start);
    }

    /** ", 50 DDIM steps, eta 0, start NOISE, seed 0" for diffusion decoders; empty for direct ones. */
    String describe(Decoding d) {
        return d.reverseDiffusion() ? String.format(", %d DDIM steps, eta %s, start %s, seed %d", steps, eta, start, seed) : "";
    }

    Decoding.Options decode(Decoding.Start from) {
        return new Decoding.Options(ddim(), from, seed);
    }

    int cellScale(int imageSize) {
        return scale > 0 ? scale : Math.max(1, 96 / imageSize);
    }
}
