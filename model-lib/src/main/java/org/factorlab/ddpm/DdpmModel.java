package org.factorlab.ddpm;

import org.factorlab.nn.GraphParameters;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.factorlab.diffusion.DdimConfig;
import org.factorlab.diffusion.DdimSampler;
import org.factorlab.diffusion.Denoiser;
import org.factorlab.diffusion.GaussianDiffusion;
import org.factorlab.latent.FirstStage;
import org.factorlab.latent.FirstStageConfig;
import org.factorlab.model.Generator;
import org.factorlab.model.Parents;
import org.factorlab.model.RepresentationEncoder;
import org.factorlab.model.TrainedModel;
import org.factorlab.nn.CompiledGraph;
import org.factorlab.nn.GradientCheck;
import org.factorlab.train.Checkpoint;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;

/** A trained unconditional DDPM: its denoiser for the diffusion core's samplers, and DDIM samples. Not thread-safe. */
public final class DdpmModel implements TrainedModel, Generator {
    private final DdpmConfig config;
    private final GaussianDiffusion diffusion;
    private final SameDiff sd;
    private final CompiledGraph compiled;
    /** A latent model's first stage: samples are decoded through it; null in pixel space. */
    private final FirstStage firstStage;

    public DdpmModel(DdpmConfig config, Map<String, INDArray> parameters) {
        this(config, parameters, null);
    }

    public DdpmModel(DdpmConfig config, Map<String, INDArray> parameters, FirstStage firstStage) {
        if (config.firstStage().latent() != (firstStage != null))
            throw new IllegalArgumentException(FirstStageConfig.KEY + ": " + (firstStage == null
                    ? "a latent model needs its first stage (load it with its parents)" : "a pixel model takes no first stage"));
        this.firstStage = firstStage;
        this.config = config;
        this.diffusion = new GaussianDiffusion(config.diffusion());
        this.sd = DdpmGraph.denoiser(config, DataType.FLOAT, 0);
        GraphParameters.assign(sd, parameters, DdpmFamily.NAME);
        this.compiled = CompiledGraph.outputs(sd, List.of(DdpmGraph.PRED));
    }

    /** The model of a "ddpm" checkpoint with its parents (a latent model's first stage). */
    public static DdpmModel fromCheckpoint(Checkpoint c, Parents parents, String nameForErrors) {
        if (!DdpmFamily.NAME.equals(c.model()))
            throw new IllegalArgumentException(nameForErrors + ": a '" + c.model() + "' checkpoint, not " + DdpmFamily.NAME);
        DdpmConfig cfg = DdpmConfig.parse(c.provenance().configText(), nameForErrors + " [config.yaml]");
        try {
            FirstStage fs = FirstStage.load(cfg.firstStage(), cfg.model().imageSize(), cfg.model().imageChannels(), parents,
                    nameForErrors + " [config.yaml]");
            return new DdpmModel(cfg, c.inferenceParameters(), fs);
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(nameForErrors + ": " + e.getMessage(), e);
        }
    }

    public static DdpmModel fromCheckpoint(Checkpoint c, String nameForErrors) {
        if (!DdpmFamily.NAME.equals(c.model()))
            throw new IllegalArgumentException(nameForErrors + ": a '" + c.model() + "' checkpoint, not " + DdpmFamily.NAME);
        DdpmConfig cfg = DdpmConfig.parse(c.provenance().configText(), nameForErrors + " [config.yaml]");
        try {
            return new DdpmModel(cfg, c.inferenceParameters());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException(nameForErrors + ": " + e.getMessage(), e);
        }
    }

    public DdpmConfig config() {
        return config;
    }

    public GaussianDiffusion diffusion() {
        return diffusion;
    }

    @Override
    public String family() {
        return DdpmFamily.NAME;
    }

    /** An unconditional DDPM has no representation. */
    @Override
    public RepresentationEncoder encoder() {
        throw lacks("encoder (it is an unconditional generator)");
    }

    @Override
    public int imageSize() {
        return config.model().imageSize();
    }

    @Override
    public Optional<Generator> generator() {
        return Optional.of(this);
    }

    /** The model output for {@code x_t} at timesteps {@code t}. */
    public INDArray predict(INDArray xt, int[] t) {
        synchronized (compiled) {
            return compiled.run(Map.of(DdpmGraph.XT, xt.castTo(DataType.FLOAT), DdpmGraph.T, GaussianDiffusion.timestepArray(t, DataType.FLOAT)))
                    .get(DdpmGraph.PRED).dup();
        }
    }

    public Denoiser denoiser() {
        return this::predict;
    }

    @Override
    public INDArray sample(int n, DdimConfig ddim, long seed) {
        if (n < 1) throw new IllegalArgumentException("sample: n must be >= 1, got " + n);
        var m = config.model();
        int c = config.firstStage().diffusionChannels(m.imageChannels()), r = config.firstStage().diffusionSize(m.imageSize());
        INDArray x0 = new DdimSampler(diffusion, ddim).sample(denoiser(), DataType.FLOAT, new long[]{n, c, r, r}, seed);
        return firstStage == null ? x0 : firstStage.decode(x0);
    }

    @Override
    public Optional<org.factorlab.model.Decoding> firstStage() {
        return Optional.ofNullable(firstStage).map(FirstStage::autoencoder);
    }

}
