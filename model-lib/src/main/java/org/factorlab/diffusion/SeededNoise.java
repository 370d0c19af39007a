package org.factorlab.diffusion;

import java.util.random.RandomGenerator;
import java.util.random.RandomGeneratorFactory;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * The one source of randomness of the diffusion core: Gaussian noise and timesteps from a seeded JDK
 * L64X128MixRandom. Generated on the JVM rather than by the ND4J backend so that the same seed gives the same
 * numbers on every backend (CPU, CUDA) and every thread count. Not thread-safe: one per training session/sampler run.
 */
public final class SeededNoise {
    private static final String ALGORITHM = "L64X128MixRandom";
    private final RandomGenerator rng;

    public SeededNoise(long seed) {
        this.rng = RandomGeneratorFactory.of(ALGORITHM).create(seed);
    }

    /** Standard normal noise of the given shape. */
    public INDArray gaussian(DataType type, long... shape) {
        long n = 1;
        for (long s : shape) n *= s;
        if (n > Integer.MAX_VALUE) throw new IllegalArgumentException("noise of " + n + " elements is too large");
        if (type == DataType.DOUBLE) {
            double[] d = new double[(int) n];
            for (int i = 0; i < d.length; i++) d[i] = rng.nextGaussian();
            return Nd4j.create(d, shape, DataType.DOUBLE);
        }
        float[] f = new float[(int) n];
        for (int i = 0; i < f.length; i++) f[i] = (float) rng.nextGaussian();
        INDArray a = Nd4j.create(f, shape, DataType.FLOAT);
        return type == DataType.FLOAT ? a : a.castTo(type);
    }

    /** Noise shaped and typed like {@code like}. */
    public INDArray gaussianLike(INDArray like) {
        return gaussian(like.dataType(), like.shape());
    }

    /** {@code batch} timesteps drawn uniformly from {@code [0, T)} (LDM: torch.randint(0, T, (B,))). */
    public int[] uniformTimesteps(int batch, int timesteps) {
        int[] t = new int[batch];
        for (int i = 0; i < batch; i++) t[i] = rng.nextInt(timesteps);
        return t;
    }

    /** A seed for a derived generator (e.g. one per Spark worker). */
    public long nextSeed() {
        return rng.nextLong();
    }
}
