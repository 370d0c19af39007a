package org.factorlab.nn;

/** How the concept tokens reach the U-Net. */
public enum Conditioning {
    /** Tokens are keys/values of cross-attention in every spatial transformer (EncDiff). */
    CROSS_ATTENTION,
    /** Tokens are concatenated into one vector that modulates each ResBlock's GroupNorm (the paper's AdaGN ablation). */
    ADAGN,
    /** Unconditional U-Net. */
    NONE
}
