package org.factorlab.diffusion;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/** How a DDIM sampler picks its S timesteps out of T (ascending, 0-based). */
public enum DdimSpacing {
    /**
     * LDM's make_ddim_timesteps 'uniform': c = T / S (integer division), {@code range(0, T, c) + 1}. The +1 offset
     * makes T=1000, S=200 give 1, 6, ..., 996. Gives ceil(T / c) steps, which exceeds S when c does not divide T
     * (T=1000, S=300 -> 334 steps). When c divides T - 1 (every S > T/2, and e.g. T=1000, S=300 or 333) the last
     * step would be timestep T, which does not exist: rejected, as LDM fails there too (index out of range).
     */
    UNIFORM("uniform"),
    /** LDM's 'quad': {@code int(linspace(0, sqrt(0.8 T), S)^2) + 1}. */
    QUAD("quad"),
    /** Exactly S distinct steps for any 1 <= S <= T: {@code round(linspace(0, T - 1, S))}, no offset. */
    LINSPACE("linspace");

    private final String id;

    DdimSpacing(String id) {
        this.id = id;
    }

    @JsonValue
    public String id() {
        return id;
    }

    @JsonCreator
    public static DdimSpacing of(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (DdimSpacing s : values()) if (s.id.equals(n)) return s;
        throw new IllegalArgumentException("unknown DDIM spacing '" + name + "'; expected one of "
                + Arrays.stream(values()).map(DdimSpacing::id).toList());
    }

    /** The ascending timesteps for S steps out of T. */
    public int[] timesteps(int steps, int T) {
        if (steps < 1) throw new IllegalArgumentException("DDIM steps must be >= 1, got " + steps);
        if (steps > T) throw new IllegalArgumentException("DDIM steps " + steps + " exceed T = " + T);
        int[] ts;
        switch (this) {
            case UNIFORM -> {
                int c = T / steps;
                int n = (T + c - 1) / c;
                ts = new int[n];
                for (int i = 0; i < n; i++) ts[i] = i * c + 1;
                if (ts[n - 1] >= T)
                    throw new IllegalArgumentException("DDIM 'uniform' spacing with " + steps + " of " + T
                            + " steps would use timestep " + ts[n - 1] + " (LDM's +1 offset, when T / S divides T - 1);"
                            + " choose another step count or spacing 'linspace'");
            }
            case QUAD -> {
                ts = new int[steps];
                double[] l = BetaSchedule.linspace(0, Math.sqrt(T * 0.8), steps);
                for (int i = 0; i < steps; i++) ts[i] = (int) (l[i] * l[i]) + 1;
                for (int i = 1; i < steps; i++)
                    if (ts[i] <= ts[i - 1])
                        throw new IllegalArgumentException("DDIM 'quad' spacing repeats timestep " + ts[i] + " with "
                                + steps + " of " + T + " steps; use fewer steps");
            }
            case LINSPACE -> {
                ts = new int[steps];
                double[] l = BetaSchedule.linspace(0, T - 1, steps);
                for (int i = 0; i < steps; i++) ts[i] = (int) Math.round(l[i]);
            }
            default -> throw new AssertionError(this);
        }
        return ts;
    }
}
