package org.factorlab.inference;

import java.nio.file.Path;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.cli.CliCommand;
import org.factorlab.encdiff.ConditioningGap;
import org.factorlab.encdiff.EncDiffModel;
import org.factorlab.model.Decoding;
import org.factorlab.model.Decoding.Start;
import java.util.ArrayList;
import java.util.List;
import org.factorlab.viz.ImageGrid;
import org.nd4j.linalg.api.ndarray.INDArray;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code factorlab reconstruct}: inputs, and their reconstructions from seeded noise and from the inverted x_T. */
@Command(name = "reconstruct", mixinStandardHelpOptions = true,
        description = "Encode --n images and decode them with DDIM: a PNG grid with rows input, from noise (seeded x_T), "
                + "from the DDIM-inverted x_T. --start is ignored (both are drawn).")
public final class ReconstructCommand implements CliCommand, Callable<Integer> {
    @Mixin
    InferenceOptions o;

    @Option(names = "--n", defaultValue = "8", description = "Images (columns) (default ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--conditioning-gap", split = ",", paramLabel = "T",
            description = "Also print, at these timesteps, the RMS error of the x0 estimate with the images' own tokens, with the "
                    + "next image's tokens and with the batch's mean tokens (how much the denoiser uses its tokens; written beside "
                    + "the PNG as <name>.conditioning-gap.csv).")
    int[] gapTimesteps;

    @Override
    public Integer call() {
        Configuration conf = new Configuration();
        Inference.Loaded loaded = Inference.load(o.checkpoint, conf);
        Decoding m = loaded.decoding();
        if (gapTimesteps != null && !(loaded.model() instanceof EncDiffModel))
            throw loaded.model().lacks("token conditioning to measure (--conditioning-gap is for encdiff)");
        INDArray x = Inference.images(o.data, o.offset, n, conf);
        List<String> labels = new ArrayList<>(List.of("input"));
        List<INDArray> rows = new ArrayList<>(List.of(x));
        // a latent model's pictures pass through its first stage: show what that alone gives
        loaded.model().firstStage().ifPresent(fs -> {
            labels.add("first stage");
            rows.add(fs.reconstruct(x, o.decode()));
        });
        for (var e : o.decoders(m, true).entrySet()) { // several decoders (ivae-ddpm): rows of each
            String by = e.getKey().isEmpty() ? "" : e.getKey() + " ";
            Decoding d = e.getValue();
            if (d.reverseDiffusion()) {
                labels.addAll(List.of(by + "from noise", by + "from inverted x_T"));
                rows.add(d.reconstruct(x, o.decode(Start.NOISE)));
                rows.add(d.reconstruct(x, o.decode(Start.INVERTED)));
            } else {
                labels.add(by + "reconstructed");
                rows.add(d.reconstruct(x, o.decode()));
            }
        }
        ImageGrid g = new ImageGrid(rows.size(), n, o.cellScale(loaded.model().imageSize()));
        for (int r = 0; r < rows.size(); r++) {
            g.rowLabel(r, labels.get(r));
            for (int i = 0; i < n; i++) g.set(r, i, Inference.image(rows.get(r), i));
        }
        for (int i = 0; i < n; i++) g.colLabel(i, "#" + (o.offset + i));
        Path out = Inference.write(g, o.output);
        System.out.printf("checkpoint %s (%s)%s%n", loaded.location(), loaded.model().family(),
                m.reverseDiffusion() ? String.format(", %d DDIM steps, eta %s, seed %d", o.steps, o.eta, o.seed) : "");
        StringBuilder err = new StringBuilder("mean |x - x^|:");
        for (int r = 1; r < rows.size(); r++)
            err.append(String.format(Locale.ROOT, "%s %s %.4f", r > 1 ? "," : "", labels.get(r), rows.get(r).sub(x).ameanNumber().doubleValue()));
        System.out.println(err);
        System.out.println(out);
        if (gapTimesteps != null) conditioningGap((EncDiffModel) loaded.model(), x, out);
        return 0;
    }

    private void conditioningGap(EncDiffModel m, INDArray x, Path png) {
        StringBuilder csv = new StringBuilder("t,own_tokens,shifted_tokens,mean_tokens\n");
        System.out.println("RMS error of the x0 estimate at t (same x_t in each row):");
        System.out.printf(Locale.ROOT, "%6s %12s %12s %12s%n", "t", "own tokens", "next image's", "mean tokens");
        for (ConditioningGap.Row r : ConditioningGap.measure(m, x, gapTimesteps, o.seed)) {
            System.out.printf(Locale.ROOT, "%6d %12.4f %12.4f %12.4f%n", r.t(), r.own(), r.shifted(), r.mean());
            csv.append(String.format(Locale.ROOT, "%d,%.6f,%.6f,%.6f%n", r.t(), r.own(), r.shifted(), r.mean()));
        }
        Path file = Inference.besidePng(png, "conditioning-gap.csv");
        Inference.writeText(csv.toString(), file);
        System.out.println(file);
    }
}
