package org.factorlab.inference;

import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.cli.CliCommand;
import org.factorlab.metrics.UnitPca;
import org.factorlab.model.Decoding;
import org.factorlab.viz.ImageGrid;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code factorlab traverse}: each code entry swept over its empirical quantiles, the others kept; for models whose
 * units are vectors (DisDiff's 32-dim units), each unit moved along its first principal direction instead.
 */
@Command(name = "traverse", mixinStandardHelpOptions = true,
        description = "Traversals: one image's code (row --offset of --data) with entry z_j set to each of --values "
                + "evenly spaced empirical quantiles of z_j over --n images (5%%..95%%), the other entries kept, decoded "
                + "from one x_T. Rows are the code entries, columns the quantiles; a model with several decoders (ivae-ddpm) gets one "
                + "block of columns per decoder, side by side (--decoder picks one). For models with vector units (DisDiff) "
                + "the rows are the units: each unit is moved along its first principal direction (PCA over the --n codes) "
                + "so that its projection takes those quantiles of the projections.")
public final class TraverseCommand implements CliCommand, Callable<Integer> {
    @Mixin
    InferenceOptions o;

    @Option(names = "--n", defaultValue = "64", description = "Images whose codes give the quantiles (default ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--values", defaultValue = "7", description = "Values per code entry (columns) (default ${DEFAULT-VALUE}).")
    int values;

    @Option(names = "--max-dims", defaultValue = "32", description = "Traverse at most this many code entries (or units) (default ${DEFAULT-VALUE}).")
    int maxDims;

    @Override
    public Integer call() {
        if (values < 2) throw new IllegalArgumentException("--values: must be >= 2, got " + values);
        Configuration conf = new Configuration();
        Inference.Loaded loaded = Inference.load(o.checkpoint, conf);
        Decoding m = loaded.decoding();
        INDArray x = Inference.images(o.data, o.offset, n, conf);
        double[] probs = new double[values];
        for (int j = 0; j < values; j++) probs[j] = 0.05 + 0.9 * j / (values - 1);
        INDArray codes = loaded.model().encoder().encode(x);
        INDArray image = x.get(NDArrayIndex.interval(0, 1)).dup();
        int unitSize = loaded.model().encoder().unitSize();
        if (unitSize > 1) return traverseUnits(loaded, m, codes, image, unitSize, probs);
        double[][] q = Decoding.quantiles(codes, probs);
        int dims = Math.min(maxDims, q[0].length);
        // several decoders (iVAE+DDPM) go side by side: one block of columns each
        java.util.Map<String, Decoding> decoders = o.decoders(m, true);
        ImageGrid g = new ImageGrid(dims, 1 + values * decoders.size(), o.cellScale(loaded.model().imageSize()));
        g.colLabel(0, "input");
        int block = 0;
        for (String name : decoders.keySet()) {
            for (int j = 0; j < values; j++)
                g.colLabel(1 + block * values + j, (name.isEmpty() ? "" : name + " ") + String.format(Locale.ROOT, "q%.0f", 100 * probs[j]));
            block++;
        }
        for (int d = 0; d < dims; d++) {
            double[] v = new double[values];
            for (int j = 0; j < values; j++) v[j] = q[j][d];
            g.set(d, 0, Inference.image(image, 0)).rowLabel(d, String.format(Locale.ROOT, "z%d [%.2f, %.2f]", d, v[0], v[values - 1]));
            block = 0;
            for (Decoding dec : decoders.values()) {
                INDArray row = dec.traverse(image, d, v, o.decode());
                for (int j = 0; j < values; j++) g.set(d, 1 + block * values + j, Inference.image(row, j));
                block++;
            }
            System.out.printf(Locale.ROOT, "z%d done (%d/%d)%n", d, d + 1, dims);
        }
        Path out = Inference.write(g, o.output);
        System.out.printf("checkpoint %s (%s), %d code entries x %d values%s%s%n", loaded.location(), loaded.model().family(), dims, values,
                decoders.size() > 1 ? " by each of " + decoders.keySet() : "", o.describe(m));
        System.out.println(out);
        return 0;
    }

    /** Rows = units, each moved along its first principal direction over the quantiles of its projection. */
    private int traverseUnits(Inference.Loaded loaded, Decoding m, INDArray codes, INDArray image, int unitSize, double[] probs) {
        double[][] c = codes.castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleMatrix();
        List<UnitPca.Traversal> plan = UnitPca.traversals(c, unitSize, probs);
        int units = Math.min(maxDims, plan.size());
        ImageGrid g = new ImageGrid(units, values + 1, o.cellScale(loaded.model().imageSize()));
        g.colLabel(0, "input");
        for (int j = 0; j < values; j++) g.colLabel(j + 1, String.format(Locale.ROOT, "q%.0f", 100 * probs[j]));
        for (int u = 0; u < units; u++) {
            UnitPca.Traversal t = plan.get(u);
            INDArray row = m.traverseUnit(image, u, t.mean(), t.direction(), t.values(), o.decode());
            g.set(u, 0, Inference.image(image, 0)).rowLabel(u, String.format(Locale.ROOT, "u%d [%.2f, %.2f]", u,
                    t.values()[0], t.values()[values - 1]));
            for (int j = 0; j < values; j++) g.set(u, j + 1, Inference.image(row, j));
            System.out.printf(Locale.ROOT, "%s %d done (%d/%d)%n", m.unitName(), u, u + 1, units);
        }
        Path out = Inference.write(g, o.output);
        System.out.printf("checkpoint %s (%s), %d units of %d entries along their first principal direction x %d values%s%n",
                loaded.location(), loaded.model().family(), units, unitSize, values, o.describe(m));
        System.out.println(out);
        return 0;
    }
}
