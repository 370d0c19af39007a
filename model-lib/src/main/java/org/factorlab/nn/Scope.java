package org.factorlab.nn;

import java.util.SplittableRandom;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

/**
 * Where a graph factory puts its parameters: a {@link SameDiff}, a name prefix ("unet/in/1/res/") and the seed.
 * Each parameter's initial values come from an RNG seeded by (seed, full name) alone, so initialisation does not
 * depend on creation order or on ND4J's global RNG: the same config and seed give bit-identical parameters on every
 * machine, which Spark workers rely on.
 */
public final class Scope {
    private final SameDiff sd;
    private final String prefix;
    private final DataType dtype;
    private final long seed;

    private Scope(SameDiff sd, String prefix, DataType dtype, long seed) {
        this.sd = sd;
        this.prefix = prefix;
        this.dtype = dtype;
        this.seed = seed;
    }

    public static Scope root(SameDiff sd, DataType dtype, long seed) {
        return new Scope(sd, "", dtype, seed);
    }

    public Scope child(String name) {
        return new Scope(sd, prefix + name + "/", dtype, seed);
    }

    public Scope child(String name, int index) {
        return child(name + index);
    }

    public SameDiff sd() {
        return sd;
    }

    public DataType dtype() {
        return dtype;
    }

    public long seed() {
        return seed;
    }

    /** The full variable name of {@code local} in this scope. */
    public String name(String local) {
        return prefix + local;
    }

    /** A trainable parameter drawn from U(-bound, bound) (PyTorch's default for conv and linear with bound 1/sqrt(fan_in)). */
    public SDVariable uniform(String local, double bound, long... shape) {
        String full = name(local);
        SplittableRandom rng = rng(seed, full);
        double[] v = new double[(int) length(shape)];
        for (int i = 0; i < v.length; i++) v[i] = (rng.nextDouble() * 2 - 1) * bound;
        return sd.var(full, Nd4j.create(v, shape, dtype));
    }

    /** A trainable parameter drawn from N(mean, std^2) (e.g. taming's discriminator init N(0, 0.02)). */
    public SDVariable normal(String local, double mean, double std, long... shape) {
        String full = name(local);
        SplittableRandom rng = rng(seed, full);
        double[] v = new double[(int) length(shape)];
        for (int i = 0; i < v.length; i++) v[i] = mean + std * rng.nextGaussian();
        return sd.var(full, Nd4j.create(v, shape, dtype));
    }

    public SDVariable constantFill(String local, double value, long... shape) {
        return sd.var(name(local), Nd4j.valueArrayOf(shape, value, dtype));
    }

    public SDVariable zeros(String local, long... shape) {
        return constantFill(local, 0.0, shape);
    }

    public SDVariable ones(String local, long... shape) {
        return constantFill(local, 1.0, shape);
    }

    /** Independent, order-free stream per (seed, name): SplittableRandom over a 64-bit mix of both. */
    static SplittableRandom rng(long seed, String name) {
        long h = 0xcbf29ce484222325L;
        for (int i = 0; i < name.length(); i++) h = (h ^ name.charAt(i)) * 0x100000001b3L;
        return new SplittableRandom(org.factorlab.train.Seeds.mix(seed) ^ org.factorlab.train.Seeds.mix(h));
    }


    private static long length(long[] shape) {
        long n = 1;
        for (long s : shape) n *= s;
        return n;
    }
}
