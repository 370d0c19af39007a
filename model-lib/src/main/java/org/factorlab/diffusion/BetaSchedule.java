package org.factorlab.diffusion;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/**
 * The beta schedules of latent diffusion's {@code make_beta_schedule} (ldm/modules/diffusionmodules/util.py),
 * computed in double precision. Names in configs are LDM's: {@code linear}, {@code cosine}, {@code sqrt},
 * {@code sqrt_linear}. See docs/diffusion.md for the formulas.
 */
public enum BetaSchedule {
    /** {@code linspace(sqrt(start), sqrt(end), T)^2}: LDM's "linear" (DDPM's linear schedule is linear in beta). */
    LINEAR("linear"),
    /** Nichol and Dhariwal: {@code abar(t) = cos^2(((t/T)+s)/(1+s) * pi/2) / abar(0)}, betas clipped to 0.999. */
    COSINE("cosine"),
    /** LDM's "sqrt": {@code linspace(start, end, T)^0.5}. */
    SQRT("sqrt"),
    /** LDM's "sqrt_linear": {@code linspace(start, end, T)}. */
    SQRT_LINEAR("sqrt_linear");

    /** Upper clip of cosine betas (improved-diffusion's max_beta). */
    public static final double COSINE_MAX_BETA = 0.999;

    private final String id;

    BetaSchedule(String id) {
        this.id = id;
    }

    /** The name LDM's configs use. */
    @JsonValue
    public String id() {
        return id;
    }

    /** Parses LDM's name (or the enum constant), case-insensitively. */
    @JsonCreator
    public static BetaSchedule of(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT).replace('-', '_');
        for (BetaSchedule s : values()) if (s.id.equals(n)) return s;
        throw new IllegalArgumentException("unknown beta schedule '" + name + "'; expected one of "
                + Arrays.stream(values()).map(BetaSchedule::id).toList());
    }

    /**
     * The T betas. {@code linearStart}/{@code linearEnd} are used by linear, sqrt and sqrt_linear; {@code cosineS} by
     * cosine.
     */
    public double[] betas(int timesteps, double linearStart, double linearEnd, double cosineS) {
        if (timesteps < 1) throw new IllegalArgumentException("timesteps must be >= 1, got " + timesteps);
        return switch (this) {
            case LINEAR -> {
                double[] b = linspace(Math.sqrt(linearStart), Math.sqrt(linearEnd), timesteps);
                for (int i = 0; i < b.length; i++) b[i] = b[i] * b[i];
                yield b;
            }
            case COSINE -> {
                double[] abar = new double[timesteps + 1];
                for (int i = 0; i <= timesteps; i++) {
                    double x = ((double) i / timesteps + cosineS) / (1 + cosineS) * Math.PI / 2;
                    double c = Math.cos(x);
                    abar[i] = c * c;
                }
                double a0 = abar[0];
                for (int i = 0; i <= timesteps; i++) abar[i] /= a0;
                double[] b = new double[timesteps];
                for (int i = 0; i < timesteps; i++) b[i] = Math.min(Math.max(1 - abar[i + 1] / abar[i], 0), COSINE_MAX_BETA);
                yield b;
            }
            case SQRT -> {
                double[] b = linspace(linearStart, linearEnd, timesteps);
                for (int i = 0; i < b.length; i++) b[i] = Math.sqrt(b[i]);
                yield b;
            }
            case SQRT_LINEAR -> linspace(linearStart, linearEnd, timesteps);
        };
    }

    /** numpy's linspace: start + i * step, the last point exactly {@code end}. */
    static double[] linspace(double start, double end, int n) {
        double[] y = new double[n];
        if (n == 1) {
            y[0] = start;
            return y;
        }
        double step = (end - start) / (n - 1);
        for (int i = 0; i < n; i++) y[i] = start + i * step;
        y[n - 1] = end;
        return y;
    }
}
