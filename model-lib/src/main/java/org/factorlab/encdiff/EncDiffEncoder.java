package org.factorlab.encdiff;

import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.factorlab.model.RepresentationEncoder;
import org.factorlab.nn.CompiledGraph;
import org.factorlab.nn.GradientCheck;
import org.factorlab.nn.TokenConfig;
import org.factorlab.train.Checkpoint;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * A trained EncDiff's encoder in eval mode (BatchNorm with running statistics): images {@code [B, C, H, W]} in
 * [-1, 1] to the code (20 scalars; for EncDiff-V the concatenated chunks) and to the concept tokens. Built from a
 * checkpoint's config and its inference parameters (EMA where present).
 */
public final class EncDiffEncoder implements RepresentationEncoder {
    private final EncDiffConfig config;
    private final SameDiff sd;
    /** One per output name, compiled on first use; guarded by itself. */
    private final Map<String, CompiledGraph> compiled = new java.util.HashMap<>();

    public EncDiffEncoder(EncDiffConfig config, Map<String, INDArray> parameters) {
        this.config = config;
        this.sd = EncDiffGraph.encoder(config, DataType.FLOAT, 0).sd();
        for (String name : GradientCheck.trainable(sd)) {
            INDArray a = parameters.get(name);
            if (a == null) throw new IllegalArgumentException("EncDiff encoder: parameters lack '" + name + "'");
            INDArray dst = sd.getArrForVarName(name);
            if (!Arrays.equals(a.shape(), dst.shape()))
                throw new IllegalArgumentException("EncDiff encoder: '" + name + "' has shape " + Arrays.toString(a.shape())
                        + ", expected " + Arrays.toString(dst.shape()));
            dst.assign(a);
        }
    }

    public static EncDiffEncoder fromCheckpoint(Checkpoint c, String nameForErrors) {
        if (!EncDiffFamily.NAME.equals(c.model()))
            throw new IllegalArgumentException(nameForErrors + ": a '" + c.model() + "' checkpoint, not " + EncDiffFamily.NAME);
        EncDiffConfig cfg = EncDiffConfig.parse(c.provenance().configText(), nameForErrors + " [config.yaml]");
        return new EncDiffEncoder(cfg, c.inferenceParameters());
    }

    public EncDiffConfig config() {
        return config;
    }

    @Override
    public INDArray encode(INDArray images) {
        return run(images, EncDiffGraph.CODE);
    }

    /** Concept tokens {@code [B, K, d]}. */
    public INDArray tokens(INDArray images) {
        TokenConfig t = config.model().tokens();
        return run(images, EncDiffGraph.TOKENS).reshape(images.size(0), t.count(), t.dim());
    }

    @Override
    public int codeDim() {
        return config.model().tokens().codeDim();
    }

    @Override
    public int unitSize() {
        TokenConfig t = config.model().tokens();
        return t.kind() == TokenConfig.TokenKind.SCALAR ? 1 : t.dim();
    }

    private INDArray run(INDArray images, String output) {
        var m = config.model();
        if (images.rank() != 4 || images.size(1) != m.imageChannels() || images.size(2) != m.imageSize() || images.size(3) != m.imageSize())
            throw new IllegalArgumentException("EncDiff encoder: images " + Arrays.toString(images.shape()) + ", expected [B, "
                    + m.imageChannels() + ", " + m.imageSize() + ", " + m.imageSize() + "]");
        synchronized (compiled) {
            return compiled.computeIfAbsent(output, o -> CompiledGraph.outputs(sd, List.of(o)))
                    .run(Map.of(EncDiffGraph.X0, images.castTo(DataType.FLOAT))).get(output).dup();
        }
    }
}
