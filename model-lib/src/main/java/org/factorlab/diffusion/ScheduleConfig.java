package org.factorlab.diffusion;

/**
 * Which beta schedule, over how many timesteps. {@code linearStart}/{@code linearEnd} feed linear, sqrt and
 * sqrt_linear; {@code cosineS} feeds cosine.
 */
public record ScheduleConfig(BetaSchedule schedule, int timesteps, double linearStart, double linearEnd, double cosineS) {
    /** LDM's default T. */
    public static final int DEFAULT_TIMESTEPS = 1000;
    /** EncDiff/DisDiff Shapes3D configs (docs/reference.md). */
    public static final double ENCDIFF_LINEAR_START = 0.0015;
    public static final double ENCDIFF_LINEAR_END = 0.0155;
    /** The defaults of LDM's make_beta_schedule (and DDPM's schedule endpoints). */
    public static final double LDM_LINEAR_START = 1e-4;
    public static final double LDM_LINEAR_END = 2e-2;
    /** Nichol and Dhariwal's offset s. */
    public static final double COSINE_S = 8e-3;

    public ScheduleConfig {
        if (schedule == null) throw new IllegalArgumentException("schedule: missing");
        if (timesteps < 2) throw new IllegalArgumentException("timesteps: must be >= 2, got " + timesteps);
        if (schedule != BetaSchedule.COSINE) {
            if (!(linearStart > 0 && linearEnd > 0 && linearStart < 1 && linearEnd < 1))
                throw new IllegalArgumentException("linearStart/linearEnd: must lie in (0, 1), got " + linearStart + ", " + linearEnd);
        } else if (!(cosineS >= 0)) {
            throw new IllegalArgumentException("cosineS: must be >= 0, got " + cosineS);
        }
    }

    /** The official EncDiff/DisDiff code's schedule: LDM linear, 0.0015 to 0.0155, T = 1000. */
    public static ScheduleConfig encdiffLinear() {
        return new ScheduleConfig(BetaSchedule.LINEAR, DEFAULT_TIMESTEPS, ENCDIFF_LINEAR_START, ENCDIFF_LINEAR_END, COSINE_S);
    }

    /** LDM's make_beta_schedule defaults: 1e-4 to 2e-2. */
    public static ScheduleConfig ldmDefault(BetaSchedule schedule) {
        return new ScheduleConfig(schedule, DEFAULT_TIMESTEPS, LDM_LINEAR_START, LDM_LINEAR_END, COSINE_S);
    }

    /** The EncDiff paper's default: cosine, T = 1000, s = 0.008. */
    public static ScheduleConfig cosine() {
        return new ScheduleConfig(BetaSchedule.COSINE, DEFAULT_TIMESTEPS, ENCDIFF_LINEAR_START, ENCDIFF_LINEAR_END, COSINE_S);
    }

    /** The same schedule kind with the EncDiff endpoints (used by the paper's schedule ablation). */
    public static ScheduleConfig encdiff(BetaSchedule schedule) {
        return new ScheduleConfig(schedule, DEFAULT_TIMESTEPS, ENCDIFF_LINEAR_START, ENCDIFF_LINEAR_END, COSINE_S);
    }

    public ScheduleConfig withTimesteps(int t) {
        return new ScheduleConfig(schedule, t, linearStart, linearEnd, cosineS);
    }

    public double[] betas() {
        return schedule.betas(timesteps, linearStart, linearEnd, cosineS);
    }
}
