package org.factorlab.disdiff;

import java.nio.file.Files;
import java.nio.file.Path;
import org.factorlab.data.Batch;
import org.factorlab.model.FamilyContractTest;
import org.junit.jupiter.api.BeforeAll;

/** DisDiff keeps the family contract, with its ddpm parent read from a file. */
class DisDiffContractTest extends FamilyContractTest {
    private static Path parent;

    @BeforeAll
    static void writeParent() throws Exception {
        parent = TinyDisDiff.writeParent(Files.createTempDirectory("disdiff-contract"));
    }

    @Override
    protected String family() {
        return DisDiffFamily.NAME;
    }

    @Override
    protected String config() {
        return TinyDisDiff.yaml(parent);
    }

    @Override
    protected Batch batch(int i) {
        return TinyDisDiff.batch(i);
    }
}
