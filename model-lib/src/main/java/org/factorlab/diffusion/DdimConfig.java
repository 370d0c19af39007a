package org.factorlab.diffusion;

/**
 * A DDIM sampler's settings. {@code eta} = 0 is deterministic DDIM, 1 has DDPM's variance.
 * {@code finalAlphaOne}: the last step lands on abar = 1 and so returns the predicted x0 (improved-diffusion,
 * diffusers' set_alpha_to_one); {@code false} lands on abar_0 = 1 - beta_0 as LDM's DDIMSampler does.
 * {@code clipX0}: clip the predicted x0 to [-clipX0, clipX0] (and re-derive eps from it), or
 * {@code Double.POSITIVE_INFINITY} for none (LDM's DDIM never clips).
 */
public record DdimConfig(int steps, double eta, DdimSpacing spacing, boolean finalAlphaOne, double clipX0) {
    public DdimConfig {
        if (steps < 1) throw new IllegalArgumentException("steps: must be >= 1, got " + steps);
        if (!(eta >= 0)) throw new IllegalArgumentException("eta: must be >= 0, got " + eta);
        if (spacing == null) throw new IllegalArgumentException("spacing: missing");
        if (!(clipX0 > 0)) throw new IllegalArgumentException("clipX0: must be > 0 (Infinity for none), got " + clipX0);
    }

    /** LDM uniform spacing, final step to abar = 1, no clipping. */
    public static DdimConfig of(int steps, double eta) {
        return new DdimConfig(steps, eta, DdimSpacing.UNIFORM, true, Double.POSITIVE_INFINITY);
    }

    /** Exactly as LDM's DDIMSampler: uniform spacing with the +1 offset, last step to abar_0, no clipping. */
    public static DdimConfig ldm(int steps, double eta) {
        return new DdimConfig(steps, eta, DdimSpacing.UNIFORM, false, Double.POSITIVE_INFINITY);
    }
}
