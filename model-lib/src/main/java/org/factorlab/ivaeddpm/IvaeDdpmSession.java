package org.factorlab.ivaeddpm;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.factorlab.data.Batch;
import org.factorlab.ddpm.DdpmConfig;
import org.factorlab.ddpm.DdpmSession;
import org.factorlab.diffusion.GaussianDiffusion;
import org.factorlab.diffusion.NoisedBatch;
import org.factorlab.diffusion.SeededNoise;
import org.factorlab.train.GraphSession;
import org.factorlab.vae.AuxiliaryVariable;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * iVAE+DDPM's training step: {@link GraphSession} with this step's draws (the reparameterisation noise, Gumbel
 * noise, the diffusion's timesteps and noise) from (seed, step) alone, u built from the batch's factor classes, and the
 * Gumbel temperature of the step's position in its annealing schedule.
 */
public final class IvaeDdpmSession extends GraphSession {
    private final IvaeDdpmConfig config;
    private final DataType dtype;
    private final AuxiliaryVariable u;
    private final GaussianDiffusion diffusion;

    /**
     * @param frozen the frozen iVAE parent's parameters (empty: the iVAE trains)
     */
    public IvaeDdpmSession(IvaeDdpmConfig config, long seed, DataType dtype, Map<String, INDArray> frozen) {
        this(config, seed, dtype, frozen, auxiliary(config));
    }

    private IvaeDdpmSession(IvaeDdpmConfig config, long seed, DataType dtype, Map<String, INDArray> frozen, AuxiliaryVariable u) {
        super(IvaeDdpmFamily.NAME, IvaeDdpmGraph.training(config, u.dim(), dtype, seed, frozen), seed);
        this.config = config;
        this.dtype = dtype;
        this.u = u;
        this.diffusion = new GaussianDiffusion(config.diffusion());
    }

    /** u of the config's {@code ivae} section; an empty factor list is an error naming {@code ivae.factorNames}. */
    static AuxiliaryVariable auxiliary(IvaeDdpmConfig c) {
        var iv = c.ivae();
        return new AuxiliaryVariable(iv.u(), iv.withMean(), iv.factorNames(), iv.factorSizes(), iv.factors());
    }

    public IvaeDdpmConfig config() {
        return config;
    }

    /** The graph's array of a variable (frozen ones included), for tests. */
    INDArray graphArray(String name) {
        return graph().getArrForVarName(name);
    }

    @Override
    protected Map<String, INDArray> feed(Batch batch, long stepSeed) {
        var m = config.model();
        INDArray x0 = batch.images().castTo(dtype);
        DdpmSession.checkImages(x0, new DdpmConfig.Model(m.imageSize(), m.imageChannels(), null), IvaeDdpmFamily.NAME);
        return placeholders(config, diffusion, x0, u.of(batch.factors(), dtype), stepSeed, stepCount(), dtype);
    }

    /** One step's inputs: a function of the batch, the step seed and the step number (the temperature) alone. */
    static Map<String, INDArray> placeholders(IvaeDdpmConfig c, GaussianDiffusion diffusion, INDArray x0, INDArray u, long stepSeed,
                                              long step, DataType dtype) {
        int b = (int) x0.size(0);
        SeededNoise noise = new SeededNoise(stepSeed);
        Map<String, INDArray> ph = new LinkedHashMap<>();
        ph.put(IvaeDdpmGraph.X, x0);
        ph.put(IvaeDdpmGraph.U, u);
        if (c.continuous() > 0) ph.put(IvaeDdpmGraph.EPS, noise.gaussian(dtype, b, c.continuous()));
        var g = c.gumbel();
        if (g.groups() > 0) {
            ph.put(IvaeDdpmGraph.GUMBEL, IvaeDdpmLosses.gumbelNoise(new SplittableRandom(noise.nextSeed()), dtype, b, g.groups(), g.categories()));
            ph.put(IvaeDdpmGraph.TAU, Nd4j.scalar(dtype, IvaeDdpmLosses.temperature(g.temperature(), step)));
        }
        NoisedBatch nb = diffusion.noised(x0, new SeededNoise(noise.nextSeed()));
        ph.put(IvaeDdpmGraph.XT, nb.xt());
        ph.put(IvaeDdpmGraph.T, GaussianDiffusion.timestepArray(nb.t(), dtype));
        ph.put(IvaeDdpmGraph.TARGET, nb.target());
        return ph;
    }
}
