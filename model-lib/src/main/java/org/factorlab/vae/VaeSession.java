package org.factorlab.vae;

import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.SplittableRandom;
import org.factorlab.data.Batch;
import org.factorlab.diffusion.SeededNoise;
import org.factorlab.train.GraphSession;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The training step of every VAE family: {@link GraphSession} with the reparameterisation noise, FactorVAE's
 * permutation and iVAE's u drawn or built per step. Step n's draws come from (seed, n) alone.
 */
public final class VaeSession extends GraphSession {
    private final VaeKind kind;
    private final VaeConfig config;
    private final DataType dtype;
    private final AuxiliaryVariable u;

    public VaeSession(VaeKind kind, VaeConfig config, long seed) {
        this(kind, config, seed, DataType.FLOAT);
    }

    public VaeSession(VaeKind kind, VaeConfig config, long seed, DataType dtype) {
        this(kind, config, seed, dtype, auxiliary(kind, config));
    }

    private VaeSession(VaeKind kind, VaeConfig config, long seed, DataType dtype, AuxiliaryVariable u) {
        super(kind.family(), VaeGraph.training(kind, config, u == null ? 0 : u.dim(), dtype, seed), seed);
        this.kind = kind;
        this.config = config;
        this.dtype = dtype;
        this.u = u;
    }

    static AuxiliaryVariable auxiliary(VaeKind kind, VaeConfig c) {
        if (kind != VaeKind.IVAE) return null;
        var iv = c.ivae();
        return new AuxiliaryVariable(iv.u(), iv.withMean(), iv.factorNames(), iv.factorSizes(), iv.factors());
    }

    public VaeConfig config() {
        return config;
    }

    @Override
    protected Map<String, INDArray> feed(Batch batch, long stepSeed) {
        INDArray x = batch.images().castTo(dtype);
        var m = config.model();
        long[] want = {m.imageChannels(), m.imageSize(), m.imageSize()};
        if (!Arrays.equals(want, Arrays.copyOfRange(x.shape(), 1, 4)))
            throw new IllegalArgumentException(kind.family() + ": batch images are " + Arrays.toString(x.shape())
                    + " but the config (model.imageSize, model.imageChannels) expects [B, " + want[0] + ", " + want[1] + ", " + want[2] + "]");
        int b = (int) x.size(0);
        SeededNoise noise = new SeededNoise(stepSeed);
        Map<String, INDArray> ph = new LinkedHashMap<>();
        ph.put(VaeGraph.X, x);
        ph.put(VaeGraph.EPS, noise.gaussian(dtype, b, m.latents()));
        if (kind == VaeKind.FACTOR_VAE)
            ph.put(VaeGraph.PERM, Nd4j.createFromArray(VaeLosses.permuteDimsIndex(b, m.latents(), new SplittableRandom(noise.nextSeed()))));
        if (u != null) ph.put(VaeGraph.U, u.of(batch.factors(), dtype));
        return ph;
    }
}
