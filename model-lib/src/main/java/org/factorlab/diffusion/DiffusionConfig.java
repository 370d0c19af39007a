package org.factorlab.diffusion;

/**
 * The diffusion process a model is trained with: schedule, what the network predicts, and the simple loss.
 * The EncDiff paper's defaults are {@link #encdiffPaper()}; the official code's are {@link #encdiffCode()}.
 */
public record DiffusionConfig(ScheduleConfig schedule, Parameterization parameterization, LossType loss) {
    public DiffusionConfig {
        if (schedule == null) throw new IllegalArgumentException("schedule: missing");
        if (parameterization == null) throw new IllegalArgumentException("parameterization: missing");
        if (loss == null) throw new IllegalArgumentException("loss: missing");
    }

    /** EncDiff paper: cosine schedule, eps, MSE. */
    public static DiffusionConfig encdiffPaper() {
        return new DiffusionConfig(ScheduleConfig.cosine(), Parameterization.EPS, LossType.MSE);
    }

    /** EncDiff/DisDiff official code: LDM linear 0.0015..0.0155, eps, L1. */
    public static DiffusionConfig encdiffCode() {
        return new DiffusionConfig(ScheduleConfig.encdiffLinear(), Parameterization.EPS, LossType.L1);
    }
}
