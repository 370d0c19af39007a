package org.factorlab.ddpm;

/** The tiny ddpm config, for DisDiff's tests (its parent). */
public final class DdpmContractTestAccess {
    public static final String YAML = DdpmContractTest.YAML;

    private DdpmContractTestAccess() {
    }
}
