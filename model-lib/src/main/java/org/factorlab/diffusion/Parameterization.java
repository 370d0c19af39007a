package org.factorlab.diffusion;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/**
 * What the network predicts. With x_t = sqrt(abar) x0 + sqrt(1 - abar) eps:
 * eps (DDPM, LDM's default), x0, or v = sqrt(abar) eps - sqrt(1 - abar) x0 (Salimans and Ho; LDM's "v").
 */
public enum Parameterization {
    EPS("eps"), X0("x0"), V("v");

    private final String id;

    Parameterization(String id) {
        this.id = id;
    }

    /** The name LDM's configs use. */
    @JsonValue
    public String id() {
        return id;
    }

    @JsonCreator
    public static Parameterization of(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (Parameterization p : values()) if (p.id.equals(n)) return p;
        throw new IllegalArgumentException("unknown parameterization '" + name + "'; expected one of "
                + Arrays.stream(values()).map(Parameterization::id).toList());
    }
}
