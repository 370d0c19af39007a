package org.factorlab.vae;

import java.util.Arrays;
import java.util.Map;
import java.util.Optional;
import org.factorlab.model.Decoding;
import org.factorlab.model.DirectDecoding;
import org.factorlab.model.RepresentationEncoder;
import org.factorlab.model.TrainedModel;
import org.factorlab.nn.CompiledGraph;
import org.factorlab.nn.GradientCheck;
import org.factorlab.nn.GraphParameters;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A trained VAE: the code is the posterior mean (as disentanglement_lib evaluates), decoding is
 * {@code 2 sigmoid(logits) - 1} of the decoder on a code; each latent dimension is a swappable unit.
 */
public final class VaeModel implements TrainedModel, DirectDecoding, RepresentationEncoder {
    private final VaeKind kind;
    private final VaeConfig config;
    private final CompiledGraph encoder;
    private final CompiledGraph decoder;

    public VaeModel(VaeKind kind, VaeConfig config, Map<String, INDArray> parameters, String nameForErrors) {
        this.kind = kind;
        this.config = config;
        SameDiff enc = VaeGraph.encoder(config, DataType.FLOAT);
        SameDiff dec = VaeGraph.decoder(config, DataType.FLOAT);
        GraphParameters.assign(enc, parameters, nameForErrors);
        GraphParameters.assign(dec, parameters, nameForErrors);
        this.encoder = CompiledGraph.outputs(enc, java.util.List.of(VaeGraph.MEAN));
        this.decoder = CompiledGraph.outputs(dec, java.util.List.of(VaeGraph.LOGITS));
    }


    public VaeConfig config() {
        return config;
    }

    @Override
    public String family() {
        return kind.family();
    }

    @Override
    public RepresentationEncoder encoder() {
        return this;
    }

    @Override
    public int imageSize() {
        return config.model().imageSize();
    }

    @Override
    public Optional<Decoding> decoding() {
        return Optional.of(this);
    }

    @Override
    public synchronized INDArray encode(INDArray images) {
        return encoder.run(Map.of(VaeGraph.X, images.castTo(DataType.FLOAT))).get(VaeGraph.MEAN).dup();
    }

    @Override
    public int codeDim() {
        return config.model().latents();
    }

    /** Images {@code [B, C, H, W]} in [-1, 1] decoded from codes {@code [B, latents]}. */
    @Override
    public synchronized INDArray decode(INDArray codes) {
        INDArray logits = decoder.run(Map.of(VaeGraph.Z, codes.castTo(DataType.FLOAT))).get(VaeGraph.LOGITS);
        return Transforms.sigmoid(logits, true).muli(2).subi(1);
    }

    @Override
    public int units() {
        return config.model().latents();
    }

    @Override
    public String unitName() {
        return "z";
    }



}
