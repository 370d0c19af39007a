package org.factorlab.train;

/**
 * The {@code train} section every family's config has: the minibatch size, the EMA of the weights (LDM's LitEma,
 * with its warm-up {@code min(decay, (1 + n) / (10 + n))} when {@code emaWarmup}) and the seed. Command-line flags
 * ({@code --batch-size}, {@code --ema-decay}, {@code --ema-warmup}, {@code --seed}) are overrides of these keys.
 */
public record TrainSettings(int batchSize, double emaDecay, boolean emaWarmup, long seed) {
    public TrainSettings {
        if (batchSize < 1) throw new IllegalArgumentException("train.batchSize: must be positive, got " + batchSize);
        if (!(emaDecay >= 0 && emaDecay < 1)) throw new IllegalArgumentException("train.emaDecay: must be in [0, 1), got " + emaDecay);
    }
}
