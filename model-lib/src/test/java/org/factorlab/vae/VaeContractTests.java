package org.factorlab.vae;

import org.factorlab.data.Batch;
import org.factorlab.model.FamilyContractTest;
import org.junit.jupiter.api.Nested;

/** The family contract for each VAE family, on 32x32 batches of 4 with a small discriminator. */
class VaeContractTests {
    private static final String COMMON = """
            model: {imageSize: 32, imageChannels: 3, latents: 4}
            optimizer: {kind: adam, lr: 1.0e-3}
            train: {batchSize: 4}
            """;

    abstract static class Base extends FamilyContractTest {
        @Override
        protected Batch batch(int i) {
            return images(i, 4, 3, 32, 3, 4);
        }
    }

    @Nested
    class BetaVae extends Base {
        @Override
        protected String family() {
            return "betavae";
        }

        @Override
        protected String config() {
            return COMMON + "objective: {beta: 4.0}\n";
        }
    }

    @Nested
    class BetaTcVae extends Base {
        @Override
        protected String family() {
            return "betatcvae";
        }

        @Override
        protected String config() {
            return COMMON + "objective: {beta: 6.0}\n";
        }
    }

    @Nested
    class FactorVae extends Base {
        @Override
        protected String family() {
            return "factorvae";
        }

        @Override
        protected String config() {
            return COMMON + "objective: {gamma: 10.0}\ndiscriminator: {layers: 2, width: 16}\n";
        }
    }

    @Nested
    class Ivae extends Base {
        @Override
        protected String family() {
            return "ivae";
        }

        @Override
        protected String config() {
            return COMMON + "ivae: {u: label_variance, withMean: true, factorNames: [a, b], factorSizes: [3, 4], priorHidden: 8}\n";
        }
    }
}
