package org.factorlab.vq;

import org.factorlab.data.Batch;
import org.factorlab.model.FamilyContractTest;

/** The platform's shared family contract for vqae (with its discriminator active from step 0). */
class VqContractTest extends FamilyContractTest {
    @Override
    protected String family() {
        return VqFamily.NAME;
    }

    @Override
    protected String config() {
        return TinyVq.YAML;
    }

    @Override
    protected Batch batch(int i) {
        return images(i, 4, 3, 16);
    }
}
