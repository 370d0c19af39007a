package org.factorlab.vq;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.factorlab.nn.GradientCheck;
import org.factorlab.nn.Scope;
import org.factorlab.train.Losses;
import org.factorlab.vae.VaeLosses;
import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;
import org.nd4j.linalg.api.buffer.DataType;

/**
 * The vqae training graph: encoder, quant_conv, quantiser, post_quant_conv, decoder, and (when enabled) the
 * PatchGAN discriminator, with every loss term of taming's {@code VQLPIPSWithDiscriminator} (LPIPS left out) in one
 * objective whose single backward pass trains both parameter groups:
 * <pre>
 *   total = rec + codebookWeight * codebook + g_weight * g + disc_factor * disc
 *   rec   = mean |x - x_rec|                       g    = -mean D_sg(x_rec)        (D's weights stopped)
 *   disc  = 0.5 (mean relu(1 - D(x)) + mean relu(1 + D(sg x_rec)))                 (the autoencoder stopped)
 * </pre>
 * {@code g_weight} (adaptive weight x disc_weight x disc_factor) and {@code disc_factor} are scalar placeholders
 * fed each step. {@code x_rec} reaches {@code rec} and {@code g} through two identities, {@link #RECON_NLL} and
 * {@link #RECON_G}, so that the loss gradients at the decoder's output can be read apart (the adaptive weight).
 */
public final class VqGraph {
    public static final String X = "x";
    public static final String G_WEIGHT = "g_weight";
    public static final String DISC_FACTOR = "disc_factor";
    public static final String LATENT = "latent";
    public static final String RECON = "recon";
    public static final String RECON_NLL = "recon_nll";
    public static final String RECON_G = "recon_g";
    /** The input of the decoder's last conv. */
    public static final String LAST_INPUT = "decoder_last_input";
    /** Reported loss terms and codebook-usage metrics (the metrics do not enter the objective). */
    public static final String REC = "rec";
    public static final String CODEBOOK_LOSS = "codebook";
    public static final String G = "g";
    public static final String DISC = "disc";
    public static final String G_WEIGHT_OUT = "g_weight_applied";
    public static final String PERPLEXITY = "perplexity";
    public static final String DEAD_CODES = "dead_codes";
    /** Parameter groups. */
    public static final String AUTOENCODER_GROUP = "autoencoder";
    public static final String DISCRIMINATOR_GROUP = "discriminator";

    private VqGraph() {
    }

    /**
     * @param losses reported name to graph variable ({@value Losses#TOTAL} first)
     * @param groups group name to its variables
     */
    public record Built(SameDiff sd, String objective, Map<String, String> losses, Map<String, List<String>> groups) {
    }

    public static Built training(VqConfig config, DataType dtype, long seed) {
        VqConfig.Model m = config.model();
        SameDiff sd = SameDiff.create();
        Scope root = Scope.root(sd, dtype, seed);
        SDVariable x = sd.placeHolder(X, dtype, -1, m.imageChannels(), m.imageSize(), m.imageSize());
        VqNetworks.Feature z = VqNetworks.encode(root, x, m);
        z.x().rename(LATENT);
        VqNetworks.Quantized q = VqNetworks.quantize(root.child(VqNetworks.QUANTIZE), z.x(), m.embedDim(), m.nEmbed(), z.side(),
                config.loss().beta());
        VqNetworks.Decoded dec = VqNetworks.decode(root, q.straightThrough(), m);
        SDVariable recon = dec.image().rename(RECON);
        dec.lastInput().rename(LAST_INPUT);
        SDVariable rec = sd.math().abs(x.sub(sd.identity(RECON_NLL, recon))).mean().rename(REC);
        SDVariable codebook = q.codebookLoss().rename(CODEBOOK_LOSS);
        SDVariable total = rec.add(codebook.mul(config.loss().codebookWeight()));
        Map<String, String> losses = new LinkedHashMap<>();
        losses.put(Losses.TOTAL, Losses.TOTAL);
        losses.put(REC, REC);
        losses.put(CODEBOOK_LOSS, CODEBOOK_LOSS);
        List<String> aeVars = GradientCheck.trainable(sd);
        Map<String, List<String>> groups = new LinkedHashMap<>();
        groups.put(AUTOENCODER_GROUP, aeVars);
        VqConfig.Discriminator dc = config.loss().discriminator();
        if (dc.enabled()) {
            SDVariable gWeight = sd.placeHolder(G_WEIGHT, dtype);
            SDVariable discFactor = sd.placeHolder(DISC_FACTOR, dtype);
            VqNetworks.PatchDiscriminator d = VqNetworks.PatchDiscriminator.create(root.child(VqNetworks.DISCRIMINATOR),
                    m.imageChannels(), dc.filters(), dc.layers());
            SDVariable g = d.apply(sd.identity(RECON_G, recon), true).mean().neg().rename(G);
            SDVariable disc = VqLosses.hingeDiscriminator(d.apply(x, false), d.apply(VaeLosses.stopGradient(recon), false)).rename(DISC);
            total = total.add(g.mul(gWeight)).add(disc.mul(discFactor));
            gWeight.mul(1.0).rename(G_WEIGHT_OUT);
            losses.put(G, G);
            losses.put(DISC, DISC);
            losses.put(G_WEIGHT_OUT, G_WEIGHT_OUT);
            List<String> discVars = new ArrayList<>(GradientCheck.trainable(sd));
            discVars.removeAll(aeVars);
            groups.put(DISCRIMINATOR_GROUP, discVars);
        }
        total.rename(Losses.TOTAL);
        q.perplexity().rename(PERPLEXITY);
        q.deadCodes().rename(DEAD_CODES);
        losses.put(PERPLEXITY, PERPLEXITY);
        losses.put(DEAD_CODES, DEAD_CODES);
        return new Built(sd, Losses.TOTAL, losses, groups);
    }
}
