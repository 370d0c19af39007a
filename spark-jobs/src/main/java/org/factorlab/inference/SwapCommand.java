package org.factorlab.inference;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.cli.CliCommand;
import org.factorlab.encdiff.EncDiffModel;
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

    @Override
    public Integer call() {
        Configuration conf = new Configuration();
        Inference.Loaded loaded = Inference.load(o.checkpoint, conf);
        EncDiffModel m = loaded.model();
        INDArray x = Inference.images(o.data, o.offset, 2 * n, conf);
        INDArray src = x.get(NDArrayIndex.interval(0, n)).dup(), tgt = x.get(NDArrayIndex.interval(n, 2 * n)).dup();
        INDArray swapped = m.swap(src, tgt, o.ddim(), o.start, o.seed);
        int k = (int) swapped.size(0);
        INDArray rec = m.reconstruct(tgt, o.ddim(), o.start, o.seed);
        ImageGrid g = new ImageGrid(k + 3, n, o.cellScale(m.config().model().imageSize()));
        g.rowLabel(0, "source").rowLabel(1, "target").rowLabel(2, "target decoded");
        for (int i = 0; i < n; i++) {
            g.set(0, i, Inference.image(src, i)).set(1, i, Inference.image(tgt, i)).set(2, i, Inference.image(rec, i));
            g.colLabel(i, "pair " + i);
            for (int c = 0; c < k; c++) g.set(3 + c, i, swapped.get(NDArrayIndex.point(c), NDArrayIndex.point(i)));
        }
        for (int c = 0; c < k; c++) g.rowLabel(3 + c, "token " + c);
        Path out = Inference.write(g, o.output);
        System.out.printf("checkpoint %s, %d pairs x %d tokens, %d DDIM steps, eta %s, start %s, seed %d%n",
                loaded.location(), n, k, o.steps, o.eta, o.start, o.seed);
        System.out.println(out);
        return 0;
    }
}
