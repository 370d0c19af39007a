package org.factorlab.toy;

import org.factorlab.data.Batch;
import org.factorlab.model.FamilyContractTest;

/** The toy model keeps the family contract too. */
class TinyContractTest extends FamilyContractTest {
    @Override
    protected String family() {
        return TinyModel.NAME;
    }

    @Override
    protected String config() {
        return "image: {height: 8, width: 8, channels: 3}\nhidden: 6\n";
    }

    @Override
    protected Batch batch(int i) {
        return images(i, 4, 3, 8, 2);
    }
}
