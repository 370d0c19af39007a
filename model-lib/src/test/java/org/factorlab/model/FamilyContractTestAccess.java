package org.factorlab.model;

import org.factorlab.data.Batch;

/** The contract test's seeded images, for fixtures of other packages. */
public final class FamilyContractTestAccess {
    private FamilyContractTestAccess() {
    }

    public static Batch images(int i, int n, int channels, int size, int... sizes) {
        return FamilyContractTest.images(i, n, channels, size, sizes);
    }
}
