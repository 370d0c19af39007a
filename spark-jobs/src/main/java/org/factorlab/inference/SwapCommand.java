package org.factorlab.inference;

import java.nio.file.Path;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.cli.CliCommand;
import org.factorlab.data.Batch;
import org.factorlab.model.Decoding;
import org.factorlab.encdiff.SwapFactorChanges;
import org.factorlab.viz.ImageGrid;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code factorlab swap}: EncDiff's figure 5, token c of the source put into the target. */
@Command(name = "swap", mixinStandardHelpOptions = true,
        description = "Factor swaps as in EncDiff's figure 5: columns are --n (source, target) pairs (rows offset.. and "
                + "offset+n..), rows are the tokens; cell (c, i) decodes target i with its token c replaced by source i's.")
public final class SwapCommand implements CliCommand, Callable<Integer> {
    @Mixin
    InferenceOptions o;

    @Option(names = "--n", defaultValue = "6", description = "Pairs (columns) (default ${DEFAULT-VALUE}).")
    int n;

    @Option(names = "--factor-changes",
            description = "Also label every decoded cell with the factors of its nearest dataset image and print, per token, how often "
                    + "the swap changed each factor (written beside the PNG as <name>.factor-changes.csv; needs a labelled dataset "
                    + "that covers the factor combinations, such as a rendered one).")
    boolean factorChanges;

    @Override
    public Integer call() {
        Configuration conf = new Configuration();
        Inference.Loaded loaded = Inference.load(o.checkpoint, conf);
        Decoding m = o.decoders(loaded.decoding(), false).values().iterator().next();
        Batch b = Inference.batch(o.data, o.offset, 2 * n, conf);
        INDArray x = b.images();
        INDArray src = x.get(NDArrayIndex.interval(0, n)).dup(), tgt = x.get(NDArrayIndex.interval(n, 2 * n)).dup();
        INDArray swapped = m.swap(src, tgt, o.decode());
        int k = (int) swapped.size(0);
        INDArray rec = m.reconstruct(tgt, o.decode());
        ImageGrid g = new ImageGrid(k + 3, n, o.cellScale(loaded.model().imageSize()));
        g.rowLabel(0, "source").rowLabel(1, "target").rowLabel(2, "target decoded");
        for (int i = 0; i < n; i++) {
            g.set(0, i, Inference.image(src, i)).set(1, i, Inference.image(tgt, i)).set(2, i, Inference.image(rec, i));
            g.colLabel(i, "pair " + i);
            for (int c = 0; c < k; c++) g.set(3 + c, i, swapped.get(NDArrayIndex.point(c), NDArrayIndex.point(i)));
        }
        for (int c = 0; c < k; c++) g.rowLabel(3 + c, m.unitName() + " " + c);
        Path out = Inference.write(g, o.output);
        System.out.printf("checkpoint %s (%s), %d pairs x %d units%s%n", loaded.location(), loaded.model().family(), n, k, o.describe(m));
        System.out.println(out);
        if (factorChanges) factorChanges(swapped, rec, b, conf, out);
        return 0;
    }

    private void factorChanges(INDArray swapped, INDArray decoded, Batch pairs, Configuration conf, Path png) {
        Inference.Labelled labelled = Inference.all(o.data, conf);
        Batch all = labelled.batch();
        List<String> names = labelled.factorNames();
        int k = (int) swapped.size(0);
        int[] cellNn = SwapFactorChanges.nearest(swapped.reshape(k * n, -1), all.images());
        int[][][] cells = new int[k][n][];
        for (int c = 0; c < k; c++) for (int i = 0; i < n; i++) cells[c][i] = all.factors()[cellNn[c * n + i]];
        int[][] dec = SwapFactorChanges.pick(all.factors(), SwapFactorChanges.nearest(decoded, all.images()));
        int[][] f = pairs.factors();
        SwapFactorChanges.Table t = SwapFactorChanges.table(cells, dec, Arrays.copyOfRange(f, 0, n), Arrays.copyOfRange(f, n, 2 * n));
        StringBuilder csv = new StringBuilder("token,measure," + String.join(",", names) + ",dominant\n");
        String header = String.format(Locale.ROOT, "%-10s%s", "", names.stream().map(s -> String.format(Locale.ROOT, "%13s", s)).reduce("", String::concat));
        System.out.printf(Locale.ROOT, "fraction of the %d pairs in which swapping the token changed each factor "
                + "(labels: nearest of %d dataset images)%n%s%n", n, all.factors().length, header);
        printRow("differ", t.possible(), csv, "source_target_differ,differ", "");
        for (int c = 0; c < k; c++) {
            int d = t.dominantFactor(c);
            printRow("token " + c, t.rate()[c], csv, c + ",changed", t.rate()[c][d] > 0 ? names.get(d) : "");
        }
        System.out.printf(Locale.ROOT, "... and changed to the source's value%n%s%n", header);
        for (int c = 0; c < k; c++) printRow("token " + c, t.toSource()[c], csv, c + ",to_source", "");
        Path file = Inference.besidePng(png, "factor-changes.csv");
        Inference.writeText(csv.toString(), file);
        System.out.println(file);
    }

    private static void printRow(String label, double[] row, StringBuilder csv, String csvKey, String dominant) {
        StringBuilder line = new StringBuilder(String.format(Locale.ROOT, "%-10s", label));
        csv.append(csvKey);
        for (double v : row) {
            line.append(String.format(Locale.ROOT, "%13.2f", v));
            csv.append(String.format(Locale.ROOT, ",%.4f", v));
        }
        csv.append(',').append(dominant).append('\n');
        System.out.println(line);
    }
}
