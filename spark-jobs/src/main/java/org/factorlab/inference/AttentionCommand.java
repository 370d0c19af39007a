package org.factorlab.inference;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import org.apache.hadoop.conf.Configuration;
import org.factorlab.cli.CliCommand;
import org.factorlab.model.AttentionMaps;
import org.factorlab.model.Decoding;
import org.factorlab.viz.ImageGrid;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.indexing.NDArrayIndex;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/** {@code factorlab attention}: where each concept token is attended to. */
@Command(name = "attention", mixinStandardHelpOptions = true,
        description = "Cross-attention maps per token: softmax over the tokens, averaged over heads, layers and the DDIM "
                + "steps of decoding each image, upsampled to the image. Columns are images; rows the input, its "
                + "decoding, and one heat map per token (each column scaled by its largest value).")
public final class AttentionCommand implements CliCommand, Callable<Integer> {
    @Mixin
    InferenceOptions o;

    @Option(names = "--n", defaultValue = "6", description = "Images (columns) (default ${DEFAULT-VALUE}).")
    int n;

    @Override
    public Integer call() {
        Configuration conf = new Configuration();
        Inference.Loaded loaded = Inference.load(o.checkpoint, conf);
        AttentionMaps m = loaded.model().attentionMaps().orElseThrow(() -> loaded.model().lacks("attention maps"));
        String unit = loaded.model().decoding().map(Decoding::unitName).orElse("unit");
        INDArray x = Inference.images(o.data, o.offset, n, conf);
        AttentionMaps.Result r = m.attentionMaps(x, o.decode());
        INDArray maps = r.maps();
        INDArray decoded = r.decoded();
        int k = (int) maps.size(1);
        ImageGrid g = new ImageGrid(k + 2, n, o.cellScale(loaded.model().imageSize()));
        g.rowLabel(0, "input").rowLabel(1, "decoded");
        for (int i = 0; i < n; i++) {
            g.set(0, i, Inference.image(x, i)).set(1, i, Inference.image(decoded, i)).colLabel(i, "#" + (o.offset + i));
            INDArray mi = maps.get(NDArrayIndex.point(i));
            double max = Math.max(1e-12, mi.maxNumber().doubleValue());
            for (int c = 0; c < k; c++) g.setHeatMap(2 + c, i, mi.get(NDArrayIndex.point(c)).div(max));
        }
        for (int c = 0; c < k; c++) g.rowLabel(2 + c, unit + " " + c);
        Path out = Inference.write(g, o.output);
        INDArray share = maps.mean(0, 2, 3);
        System.out.printf("checkpoint %s, %d layers, %d DDIM steps, start %s, seed %d%n", loaded.location(),
                m.attentionLayers(), o.steps, o.start, o.seed);
        System.out.println("mean attention per " + unit + ": " + share);
        System.out.println(out);
        return 0;
    }
}
