package org.factorlab.vae;

/** The VAE families, their registry names and defaults files. */
public enum VaeKind {
    BETA_VAE("betavae", "beta-VAE: recon + beta KL (the papers' baseline)"),
    BETA_TCVAE("betatcvae", "beta-TCVAE: recon + KL + (beta - 1) TC, TC by minibatch-weighted sampling"),
    FACTOR_VAE("factorvae", "FactorVAE: recon + KL + gamma TC, TC from a discriminator with its own optimizer"),
    IVAE("ivae", "iVAE: a VAE with a conditional prior p(z|u), u from the factor labels");

    private final String family;
    private final String summary;

    VaeKind(String family, String summary) {
        this.family = family;
        this.summary = summary;
    }

    public String family() {
        return family;
    }

    public String summary() {
        return summary;
    }

    /** The defaults YAML text of this family. */
    public String defaultsText() {
        return org.factorlab.config.ConfigTree.resource(VaeKind.class, family + "-defaults.yaml");
    }
}
