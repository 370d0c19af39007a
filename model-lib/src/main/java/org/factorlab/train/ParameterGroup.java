package org.factorlab.train;

import java.util.List;
import org.factorlab.train.optim.OptimizerConfig;

/**
 * Trainable variables updated by one optimizer of their own (FactorVAE: the VAE and its discriminator). Which loss
 * reaches which group is decided in the graph, by stop-gradients: {@link GraphSession} takes one backward pass of
 * the family's objective and hands each group its own gradients.
 */
public record ParameterGroup(String name, List<String> variables, OptimizerConfig optimizer) {
    public ParameterGroup {
        if (name == null || name.isBlank()) throw new IllegalArgumentException("parameter group: a name is required");
        variables = List.copyOf(variables);
        if (variables.isEmpty()) throw new IllegalArgumentException("parameter group '" + name + "' has no variables");
        if (optimizer == null) throw new IllegalArgumentException("parameter group '" + name + "': an optimizer is required");
    }
}
