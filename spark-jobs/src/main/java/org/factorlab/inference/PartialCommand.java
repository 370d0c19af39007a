package org.factorlab.inference;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.cli.CliCommand;
import org.factorlab.model.PartialConditioning;
import org.factorlab.viz.ImageGrid;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code factorlab partial}: DisDiff's partial-condition sampling (Eq. 6), rows units, columns images. */
@Command(name = "partial", mixinStandardHelpOptions = true,
        description = "Partial-condition sampling (DisDiff's Eq. 6): for --n images (columns) and each unit of the code (rows), "
                + "DDIM from the image's start (--start) with eps shifted by that unit's gradient field only.")
public final class PartialCommand implements CliCommand, Callable<Integer> {
    @Mixin
    InferenceOptions o;

    @Option(names = "--n", defaultValue = "6", description = "Images (columns) (default ${DEFAULT-VALUE}).")
    int n;

    @Override
    public Integer call() {
        Configuration conf = new Configuration();
        Inference.Loaded loaded = Inference.load(o.checkpoint, conf);
        PartialConditioning p = loaded.model().partialConditioning().orElseThrow(() -> loaded.model().lacks("per-unit conditions"));
        INDArray x = Inference.images(o.data, o.offset, n, conf);
        INDArray cells = p.partial(x, o.decode());
        int units = (int) cells.size(0);
        ImageGrid g = new ImageGrid(units + 1, n, o.cellScale(loaded.model().imageSize()));
        g.rowLabel(0, "input");
        for (int i = 0; i < n; i++) {
            g.set(0, i, Inference.image(x, i)).colLabel(i, "#" + (o.offset + i));
            for (int c = 0; c < units; c++) g.set(c + 1, i, cells.get(NDArrayIndex.point(c), NDArrayIndex.point(i)));
        }
        for (int c = 0; c < units; c++) g.rowLabel(c + 1, "only unit " + c);
        Path out = Inference.write(g, o.output);
        System.out.printf("checkpoint %s (%s), %d images x %d units, %d DDIM steps, eta %s, start %s, seed %d%n", loaded.location(),
                loaded.model().family(), n, units, o.steps, o.eta, o.start, o.seed);
        System.out.println(out);
        return 0;
    }
}
