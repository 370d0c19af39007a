package org.factorlab.encdiff;

import org.factorlab.data.Batch;
import org.factorlab.model.FamilyContractTest;

class EncDiffContractTest extends FamilyContractTest {
    @Override
    protected String family() {
        return EncDiffFamily.NAME;
    }

    @Override
    protected String config() {
        return TinyEncDiff.YAML;
    }

    @Override
    protected Batch batch(int i) {
        return TinyEncDiff.batch(i, 4);
    }
}
