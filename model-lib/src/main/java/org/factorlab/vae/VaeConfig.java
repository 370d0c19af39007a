package org.factorlab.vae;

import java.util.List;
import org.factorlab.config.ConfigTree;
import org.factorlab.train.TrainSettings;
import org.factorlab.train.optim.OptimizerConfig;

/**
 * A VAE family's configuration. Every family has {@code model}, {@code objective}, {@code optimizer} and
 * {@code train}; FactorVAE adds {@code discriminator}, iVAE adds {@code ivae}. Keys absent from a family's defaults
 * file are errors, so {@code objective.gamma} on a beta-VAE is refused rather than ignored.
 */
public record VaeConfig(Model model, Objective objective, Discriminator discriminator, Ivae ivae, OptimizerConfig optimizer,
                        TrainSettings train) {
    public VaeConfig {
        if (model == null || objective == null || optimizer == null || train == null)
            throw new IllegalArgumentException("config needs model, objective, optimizer and train sections");
    }

    public record Model(int imageSize, int imageChannels, int latents) {
        public Model {
            VaeNetworks.stages(imageSize);
            if (imageChannels < 1) throw new IllegalArgumentException("model.imageChannels: must be >= 1, got " + imageChannels);
            if (latents < 1) throw new IllegalArgumentException("model.latents: must be >= 1, got " + latents);
        }
    }

    /**
     * Which reconstruction term and the weights of the family's regularisers: {@code beta} (beta-VAE, beta-TCVAE, iVAE)
     * or {@code gamma} (FactorVAE); a family's defaults file has only the weights it uses.
     */
    public record Objective(Reconstruction reconstruction, Double beta, Double gamma) {
        public Objective {
            if (reconstruction == null) throw new IllegalArgumentException("objective.reconstruction: bernoulli or l2");
            if (beta != null && !(beta >= 0 && Double.isFinite(beta))) throw new IllegalArgumentException("objective.beta: must be >= 0, got " + beta);
            if (gamma != null && !(gamma >= 0 && Double.isFinite(gamma))) throw new IllegalArgumentException("objective.gamma: must be >= 0, got " + gamma);
        }
    }

    public enum Reconstruction {
        /** Bernoulli cross-entropy on logits against (x + 1) / 2, summed per image (disentanglement_lib's default). */
        BERNOULLI,
        /** Squared error of sigmoid(logits) against (x + 1) / 2, summed per image. */
        L2
    }

    /** FactorVAE's discriminator: {@code layers} x dense {@code width} with leaky ReLU, then 2 logits; its own optimizer. */
    public record Discriminator(int layers, int width, OptimizerConfig optimizer) {
        public Discriminator {
            if (layers < 1) throw new IllegalArgumentException("discriminator.layers: must be >= 1, got " + layers);
            if (width < 1) throw new IllegalArgumentException("discriminator.width: must be >= 1, got " + width);
            if (optimizer == null) throw new IllegalArgumentException("discriminator.optimizer: required");
        }
    }

    /** iVAE's auxiliary variable u and conditional prior (see {@link AuxiliaryVariable}). */
    public record Ivae(AuxiliaryVariable.Kind u, boolean withMean, List<String> factors, List<String> factorNames,
                       List<Integer> factorSizes, int priorHidden, boolean learnPriorMean) {
        public Ivae {
            if (u == null) throw new IllegalArgumentException("ivae.u: one_hot or label_variance");
            factors = List.copyOf(factors == null ? List.of() : factors);
            factorNames = List.copyOf(factorNames == null ? List.of() : factorNames);
            factorSizes = List.copyOf(factorSizes == null ? List.of() : factorSizes);
            if (factorNames.size() != factorSizes.size())
                throw new IllegalArgumentException("ivae.factorNames and ivae.factorSizes: " + factorNames.size() + " names but "
                        + factorSizes.size() + " sizes");
            if (priorHidden < 1) throw new IllegalArgumentException("ivae.priorHidden: must be >= 1, got " + priorHidden);
            for (String f : factors)
                if (!factorNames.isEmpty() && !factorNames.contains(f))
                    throw new IllegalArgumentException("ivae.factors: '" + f + "' is not a factor of the dataset " + factorNames);
        }
    }

    /** Binds a config over {@code defaultsText}; errors name {@code source} and the key. */
    static VaeConfig parse(String defaultsText, String yamlText, String source) {
        try {
            return ConfigTree.bind(ConfigTree.merge(defaultsText, yamlText, List.of(), source), VaeConfig.class, source);
        } catch (IllegalArgumentException e) {
            if (e.getMessage() != null && e.getMessage().startsWith(source)) throw e;
            throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
    }
}
