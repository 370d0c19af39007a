package org.factorlab.train.optim;

/**
 * Adam/AdamW hyper-parameters with linear learning-rate warm-up (LDM's LambdaLinearScheduler with f_start 0:
 * {@code lr * min(1, (step + 1) / warmupSteps)}) and optional clipping of the global gradient norm (0 = off).
 */
public record OptimizerConfig(OptimizerKind kind, double lr, double beta1, double beta2, double eps, double weightDecay,
                              int warmupSteps, double clipGradNorm) {
    public OptimizerConfig {
        if (kind == null) throw new IllegalArgumentException("optimizer.kind: required (adam or adamw)");
        if (!(lr > 0)) throw new IllegalArgumentException("optimizer.lr: must be > 0, got " + lr);
        if (!(beta1 >= 0 && beta1 < 1)) throw new IllegalArgumentException("optimizer.beta1: must be in [0, 1), got " + beta1);
        if (!(beta2 >= 0 && beta2 < 1)) throw new IllegalArgumentException("optimizer.beta2: must be in [0, 1), got " + beta2);
        if (!(eps > 0)) throw new IllegalArgumentException("optimizer.eps: must be > 0, got " + eps);
        if (!(weightDecay >= 0)) throw new IllegalArgumentException("optimizer.weightDecay: must be >= 0, got " + weightDecay);
        if (warmupSteps < 0) throw new IllegalArgumentException("optimizer.warmupSteps: must be >= 0, got " + warmupSteps);
        if (!(clipGradNorm >= 0)) throw new IllegalArgumentException("optimizer.clipGradNorm: must be >= 0, got " + clipGradNorm);
    }

    /** The learning rate of optimizer step {@code step} (0-based). */
    public double lrAt(long step) {
        if (warmupSteps == 0) return lr;
        return lr * Math.min(1.0, (step + 1.0) / warmupSteps);
    }
}
