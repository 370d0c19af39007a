package org.factorlab.ivaeddpm;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.factorlab.diffusion.DdimConfig;
import org.factorlab.diffusion.DdimSampler;
import org.factorlab.diffusion.Denoiser;
import org.factorlab.diffusion.GaussianDiffusion;
import org.factorlab.diffusion.SeededNoise;
import org.factorlab.model.Decoding;
import org.factorlab.model.DirectDecoding;
import org.factorlab.model.RepresentationEncoder;
import org.factorlab.model.TrainedModel;
import org.factorlab.nn.CompiledGraph;
import org.factorlab.nn.GraphParameters;
import org.factorlab.vae.AuxiliaryVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;
import org.nd4j.linalg.indexing.NDArrayIndex;
import org.nd4j.linalg.ops.transforms.Transforms;

/**
 * A trained iVAE+DDPM. The code is the posterior mean (and each Gumbel group's probabilities); it decodes two ways:
 * by the iVAE decoder ({@code 2 sigmoid(logits) - 1}) and by the DDPM (DDIM conditioned on the code). Its own
 * {@link Decoding} is the DDPM's; {@link #decoders()} offers both, which the picture commands draw side by side
 * (the paper's figures 4 and 5). Not thread-safe beyond its synchronized methods.
 */
public final class IvaeDdpmModel implements TrainedModel, Decoding, RepresentationEncoder {
    /** Names of the two decoders in pictures. */
    public static final String IVAE_DECODER = "ivae";
    public static final String DDPM_DECODER = "ddpm";

    private final IvaeDdpmConfig config;
    private final CompiledGraph encoder;
    private final CompiledGraph decoder;
    private final CompiledGraph denoiser;
    private final INDArray uMean;
    private final GaussianDiffusion diffusion;
    private final DirectDecoding ivaeView = new IvaeView();

    /** @param parameters every parameter (the iVAE's from the parent when it was frozen) */
    public IvaeDdpmModel(IvaeDdpmConfig config, Map<String, INDArray> parameters, String nameForErrors) {
        this.config = config;
        AuxiliaryVariable u = IvaeDdpmSession.auxiliary(config);
        SameDiff enc = IvaeDdpmGraph.encoder(config, u.dim(), DataType.FLOAT);
        SameDiff dec = IvaeDdpmGraph.decoder(config, DataType.FLOAT);
        SameDiff den = IvaeDdpmGraph.denoiser(config, DataType.FLOAT);
        GraphParameters.assign(enc, parameters, nameForErrors);
        GraphParameters.assign(dec, parameters, nameForErrors);
        GraphParameters.assign(den, parameters, nameForErrors);
        this.encoder = CompiledGraph.outputs(enc, List.of(IvaeDdpmGraph.CODE));
        this.decoder = CompiledGraph.outputs(dec, List.of(IvaeDdpmGraph.LOGITS));
        this.denoiser = CompiledGraph.outputs(den, List.of(IvaeDdpmGraph.PRED));
        this.uMean = u.gridMean(DataType.FLOAT);
        this.diffusion = new GaussianDiffusion(config.diffusion());
    }

    public IvaeDdpmConfig config() {
        return config;
    }

    @Override
    public String family() {
        return IvaeDdpmFamily.NAME;
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

    /**
     * Codes {@code [B, latents]}. With q(z|x,u) the encoder is given u's mean over the factor grid: a representation
     * must not read the labels it is scored against.
     */
    @Override
    public synchronized INDArray encode(INDArray images) {
        Map<String, INDArray> ph = new LinkedHashMap<>();
        ph.put(IvaeDdpmGraph.X, images.castTo(DataType.FLOAT));
        if (config.model().encoderInput() == IvaeDdpmConfig.EncoderInput.X_U)
            ph.put(IvaeDdpmGraph.U, Nd4j.tile(uMean, (int) images.size(0), 1));
        return encoder.run(ph).get(IvaeDdpmGraph.CODE).dup();
    }

    @Override
    public int codeDim() {
        return config.model().latents();
    }

    /** The iVAE decoder's images {@code [B, C, H, W]} in [-1, 1] of codes {@code [B, latents]}. */
    public synchronized INDArray decodeIvae(INDArray codes) {
        INDArray logits = decoder.run(Map.of(IvaeDdpmGraph.Z, codes.castTo(DataType.FLOAT))).get(IvaeDdpmGraph.LOGITS);
        return Transforms.sigmoid(logits, true).muli(2).subi(1);
    }

    /** The DDPM's eps prediction for {@code x_t} at timesteps {@code t} under codes {@code z}. */
    public INDArray predict(INDArray xt, int[] t, INDArray z) {
        synchronized (denoiser) {
            return denoiser.run(Map.of(IvaeDdpmGraph.XT, xt.castTo(DataType.FLOAT), IvaeDdpmGraph.T,
                    GaussianDiffusion.timestepArray(t, DataType.FLOAT), IvaeDdpmGraph.Z, z.castTo(DataType.FLOAT))).get(IvaeDdpmGraph.PRED).dup();
        }
    }

    public Denoiser denoiser(INDArray codes) {
        return (xt, t) -> predict(xt, t, codes);
    }

    /** DDIM under codes {@code [B, latents]} from {@code xT}. */
    public INDArray decodeDdpm(INDArray codes, INDArray xT, DdimConfig ddim, long seed) {
        return new DdimSampler(diffusion, ddim).sample(denoiser(codes), xT, new SeededNoise(seed));
    }

    /** Where DDIM starts for {@code n} decodes of images whose codes are {@code codes}. */
    private INDArray start(INDArray images, INDArray codes, Options o) {
        if (o.start() == Start.INVERTED)
            return new DdimSampler(diffusion, o.ddim()).invert(denoiser(codes), images.castTo(DataType.FLOAT));
        var m = config.model();
        return new SeededNoise(o.seed()).gaussian(DataType.FLOAT, images.size(0), m.imageChannels(), m.imageSize(), m.imageSize());
    }

    @Override
    public boolean reverseDiffusion() {
        return true;
    }

    @Override
    public int units() {
        return config.model().latents();
    }

    @Override
    public String unitName() {
        return "z";
    }

    /** The DDPM decoder and the iVAE decoder, by name. */
    @Override
    public Map<String, Decoding> decoders() {
        Map<String, Decoding> out = new LinkedHashMap<>();
        out.put(IVAE_DECODER, ivaeView);
        out.put(DDPM_DECODER, this);
        return out;
    }

    @Override
    public INDArray reconstruct(INDArray images, Options o) {
        INDArray codes = encode(images);
        return decodeDdpm(codes, start(images, codes, o), o.ddim(), o.seed());
    }

    @Override
    public INDArray swap(INDArray sources, INDArray targets, Options o) {
        INDArray tgt = encode(targets);
        INDArray xT = start(targets, tgt, o);
        int p = (int) targets.size(0);
        return Decoding.swapUnits(encode(sources), tgt, 1, codes -> {
            // codes are unit-major: cell (c, i) starts from target i's x_T
            INDArray starts = Nd4j.concat(0, java.util.Collections.nCopies((int) (codes.size(0) / p), xT).toArray(INDArray[]::new));
            return decodeDdpm(codes, starts, o.ddim(), o.seed());
        });
    }

    @Override
    public INDArray traverse(INDArray image, int dim, double[] values, Options o) {
        INDArray code = encode(image);
        INDArray xT = start(image, code, o);
        INDArray starts = Nd4j.concat(0, java.util.Collections.nCopies(values.length, xT.get(NDArrayIndex.interval(0, 1))).toArray(INDArray[]::new));
        return decodeDdpm(Decoding.traversedCodes(code, dim, values), starts, o.ddim(), o.seed());
    }

    /** The iVAE decoder as a direct decoder of the same codes. */
    private final class IvaeView implements DirectDecoding {
        @Override
        public INDArray encode(INDArray images) {
            return IvaeDdpmModel.this.encode(images);
        }

        @Override
        public INDArray decode(INDArray codes) {
            return decodeIvae(codes);
        }

        @Override
        public int units() {
            return IvaeDdpmModel.this.units();
        }

        @Override
        public String unitName() {
            return "z";
        }
    }
}
