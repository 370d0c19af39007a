package org.factorlab.disdiff;

import org.factorlab.nn.GraphParameters;
import java.util.List;
import java.util.Map;
import org.factorlab.ddpm.DdpmModel;
import org.factorlab.model.RepresentationEncoder;
import org.factorlab.nn.CompiledGraph;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * DisDiff's encoder in eval mode: images {@code [B, C, H, W]} in [-1, 1] to codes {@code [B, N*d]}, N units of
 * {@link #unitSize()} entries each (evaluation reduces each unit to one number by PCA).
 */
public final class DisDiffEncoder implements RepresentationEncoder {
    private final DisDiffConfig config;
    private final CompiledGraph compiled;

    public DisDiffEncoder(DisDiffConfig config, Map<String, INDArray> parameters) {
        this.config = config;
        SameDiff sd = DisDiffGraph.encoder(config, DataType.FLOAT, 0);
        GraphParameters.assign(sd, parameters, DisDiffFamily.NAME);
        this.compiled = CompiledGraph.outputs(sd, List.of(DisDiffGraph.CODE));
    }

    @Override
    public INDArray encode(INDArray images) {
        var m = config.model();
        org.factorlab.ddpm.DdpmSession.checkImages(images, m.parentModel(), DisDiffFamily.NAME);
        synchronized (compiled) {
            return compiled.run(Map.of(DisDiffGraph.X0, images.castTo(DataType.FLOAT))).get(DisDiffGraph.CODE).dup();
        }
    }

    @Override
    public int codeDim() {
        return config.model().codeDim();
    }

    @Override
    public int unitSize() {
        return config.model().unitDim();
    }
}
