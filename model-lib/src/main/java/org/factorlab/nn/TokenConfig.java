package org.factorlab.nn;

/**
 * How the encoder's code becomes concept tokens. SCALAR (EncDiff): {@code count} scalars, each through its own MLP
 * Linear(1, hidden1)-ELU-Linear(hidden1, hidden2)-ELU-Linear(hidden2, dim). VECTOR (EncDiff-V): the code has
 * {@code count * dim} entries, split into {@code count} chunks that are the tokens.
 */
public record TokenConfig(TokenKind kind, int count, int dim, int hidden1, int hidden2) {
    public TokenConfig {
        if (kind == null) throw new IllegalArgumentException("tokens.kind: required (scalar or vector)");
        if (count < 1) throw new IllegalArgumentException("tokens.count: must be positive, got " + count);
        if (dim < 1) throw new IllegalArgumentException("tokens.dim: must be positive, got " + dim);
        if (kind == TokenKind.SCALAR && (hidden1 < 1 || hidden2 < 1))
            throw new IllegalArgumentException("tokens.hidden1/hidden2: must be positive, got " + hidden1 + "/" + hidden2);
    }

    /** Size of the encoder output (the representation). */
    public int codeDim() {
        return kind == TokenKind.SCALAR ? count : count * dim;
    }

    public enum TokenKind { SCALAR, VECTOR }
}
