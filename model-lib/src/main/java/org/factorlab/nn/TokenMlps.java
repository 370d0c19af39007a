package org.factorlab.nn;

import org.nd4j.autodiff.samediff.SDVariable;
import org.nd4j.autodiff.samediff.SameDiff;

/**
 * EncDiff's non-shared scalar-to-token MLPs, all K of them as one batched computation: the first layer is a
 * broadcast product (each input is one scalar), the next two are batched matmuls over a leading factor axis
 * {@code [K, B, in] x [K, in, out]}. Weights are stored {@code [K, in, out]}, so factor k's MLP is slice k.
 */
public final class TokenMlps {
    private TokenMlps() {
    }

    /** {@code code [B, codeDim] -> tokens [B*K, dim]} (batch-major, the layout cross-attention takes). */
    public static SDVariable tokens(Scope s, TokenConfig c, SDVariable code) {
        if (c.kind() == TokenConfig.TokenKind.VECTOR) return code.reshape(-1, c.dim());
        SameDiff sd = s.sd();
        int k = c.count();
        SDVariable w1 = s.uniform("l1/weight", 1.0, 1, k, c.hidden1());
        SDVariable b1 = s.uniform("l1/bias", 1.0, 1, k, c.hidden1());
        SDVariable h = sd.nn().elu(code.reshape(-1, k, 1).mul(w1).add(b1)).permute(1, 0, 2);   // [K, B, h1]
        double bound2 = 1.0 / Math.sqrt(c.hidden1());
        SDVariable w2 = s.uniform("l2/weight", bound2, k, c.hidden1(), c.hidden2());
        SDVariable b2 = s.uniform("l2/bias", bound2, k, 1, c.hidden2());
        h = sd.nn().elu(sd.mmul(h, w2).add(b2));                                                  // [K, B, h2]
        double bound3 = 1.0 / Math.sqrt(c.hidden2());
        SDVariable w3 = s.uniform("l3/weight", bound3, k, c.hidden2(), c.dim());
        SDVariable b3 = s.uniform("l3/bias", bound3, k, 1, c.dim());
        return sd.mmul(h, w3).add(b3).permute(1, 0, 2).reshape(-1, c.dim());                  // [B*K, d]
    }
}
