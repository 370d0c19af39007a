package org.factorlab.ivaeddpm;

import java.nio.file.Files;
import java.nio.file.Path;
import org.factorlab.data.Batch;
import org.factorlab.model.FamilyContractTest;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Nested;

/** The family contract for iVAE+DDPM with every option on, and on a frozen ivae parent. */
class IvaeDdpmContractTests {
    private static Path parent;

    @BeforeAll
    static void writeParent() throws Exception {
        parent = TinyIvaeDdpm.writeParent(Files.createTempDirectory("ivae-ddpm-contract"));
    }

    abstract static class Base extends FamilyContractTest {
        @Override
        protected String family() {
            return IvaeDdpmFamily.NAME;
        }

        @Override
        protected Batch batch(int i) {
            return TinyIvaeDdpm.batch(i);
        }
    }

    /** Cross-attention, q(z|x,u), KL balancing and a hard Gumbel group. */
    @Nested
    class AllOptions extends Base {
        @Override
        protected String config() {
            return TinyIvaeDdpm.effective(TinyIvaeDdpm.OPTIONS, TinyIvaeDdpm.OPTION_OVERRIDES);
        }
    }

    /** AdaGN on a frozen ivae parent. */
    @Nested
    class FrozenParent extends Base {
        @Override
        protected String config() {
            return TinyIvaeDdpm.frozen(parent);
        }
    }
}
