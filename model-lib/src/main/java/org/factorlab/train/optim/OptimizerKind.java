package org.factorlab.train.optim;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonValue;
import java.util.Arrays;
import java.util.Locale;

/** Adam (L2 penalty added to the gradient, torch.optim.Adam) or AdamW (decoupled decay, torch.optim.AdamW). */
public enum OptimizerKind {
    ADAM("adam"), ADAMW("adamw");

    private final String id;

    OptimizerKind(String id) {
        this.id = id;
    }

    @JsonValue
    public String id() {
        return id;
    }

    @JsonCreator
    public static OptimizerKind of(String name) {
        String n = name.trim().toLowerCase(Locale.ROOT);
        for (OptimizerKind k : values()) if (k.id.equals(n)) return k;
        throw new IllegalArgumentException("unknown optimizer '" + name + "'; expected one of "
                + Arrays.stream(values()).map(OptimizerKind::id).toList());
    }
}
