package org.factorlab.train;

/** The one home of seed derivation: every random draw in training is a function of (run seed, position). */
public final class Seeds {
    private Seeds() {
    }

    /** SplitMix64's finaliser: a bijective 64-bit mix. */
    public static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xbf58476d1ce4e5b9L;
        z = (z ^ (z >>> 27)) * 0x94d049bb133111ebL;
        return z ^ (z >>> 31);
    }

    /** The seed of optimizer step {@code n}'s draws (timesteps, noise, permutations): a function of (seed, n) only. */
    public static long step(long seed, long n) {
        return mix(mix(seed) ^ (n + 0x632be59bd9b4e019L));
    }
}
