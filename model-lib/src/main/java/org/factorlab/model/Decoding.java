package org.factorlab.model;

import org.factorlab.diffusion.DdimConfig;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Codes back to images, for the picture commands. Images are {@code [B, C, H, W]} in [-1, 1]. A model's code is
 * split into {@link #units()} swappable units (EncDiff's tokens, a VAE's latent dimensions); traversals move one
 * code entry. Diffusion decoders use the options' DDIM settings, start and seed; direct decoders ignore them.
 */
public interface Decoding {
    /** Where a diffusion decoder starts the reverse process. */
    enum Start {
        /** Seeded Gaussian x_T: the content must come from the code. */
        NOISE,
        /** The DDIM-inverted x_T of the (target) image: pixel detail is carried by x_T. */
        INVERTED
    }

    /** How to decode: DDIM settings, where to start and the seed of any noise. */
    record Options(DdimConfig ddim, Start start, long seed) {
    }

    /** Whether decoding starts a reverse diffusion (so {@link Options#start()} matters). */
    default boolean reverseDiffusion() {
        return false;
    }

    /**
     * The model's decoders of one code by name, where it has more than one (iVAE+DDPM: its iVAE decoder and its DDPM);
     * the picture commands can draw them side by side. Empty: this decoder alone.
     */
    default java.util.Map<String, Decoding> decoders() {
        return java.util.Map.of();
    }

    /** Number of swappable units in a code. */
    int units();

    /** What a unit is called in pictures ("token", "z"). */
    String unitName();

    /** Encode, then decode. Returns {@code [B, C, H, W]}. */
    INDArray reconstruct(INDArray images, Options o);

    /**
     * Unit swaps: for each unit c (first axis) and pair i (second), target i's code with unit c replaced by source
     * i's, decoded. Returns {@code [units, P, C, H, W]}.
     */
    INDArray swap(INDArray sources, INDArray targets, Options o);

    /** One image's code with entry {@code dim} set to each of {@code values}, decoded. Returns {@code [values, C, H, W]}. */
    INDArray traverse(INDArray image, int dim, double[] values, Options o);

    /**
     * For models whose units are vectors (DisDiff): one image's code with unit {@code unit} moved along
     * {@code direction} so that its projection {@code (z_unit - mean) . direction} takes each of {@code values}
     * (the part of the unit off the direction is kept; see {@link #unitTraversedCodes}), decoded. Returns
     * {@code [values, C, H, W]}.
     */
    default INDArray traverseUnit(INDArray image, int unit, double[] mean, double[] direction, double[] values, Options o) {
        throw new UnsupportedOperationException("this model's units are single code entries: traverse them with traverse()");
    }

    /**
     * {@code [values, D]}: the code {@code [1, D]} with unit {@code unit} (entries {@code unit * k .. unit * k + k - 1},
     * k = direction length, a unit vector) replaced by {@code z + (v - (z - mean) . direction) direction} for each v.
     */
    static INDArray unitTraversedCodes(INDArray code, int unit, double[] mean, double[] direction, double[] values) {
        int d = (int) code.size(1), k = direction.length, off = unit * k;
        if (code.rank() != 2 || code.size(0) != 1)
            throw new IllegalArgumentException("traverse: one code [1, D] expected, got " + java.util.Arrays.toString(code.shape()));
        if (unit < 0 || off + k > d) throw new IllegalArgumentException("traverse: unit " + unit + " of " + k + " entries outside a code of " + d);
        if (mean.length != k) throw new IllegalArgumentException("traverse: mean of " + mean.length + " entries for a direction of " + k);
        double projection = 0;
        for (int j = 0; j < k; j++) projection += (code.getDouble(0, off + j) - mean[j]) * direction[j];
        INDArray out = org.nd4j.linalg.factory.Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, values.length, d);
        for (int v = 0; v < values.length; v++)
            for (int e = 0; e < d; e++) {
                double z = code.getDouble(0, e);
                if (e >= off && e < off + k) z += (values[v] - projection) * direction[e - off];
                out.putScalar(v, e, z);
            }
        return out;
    }

    /**
     * Unit swaps for decoders of plain codes: codes {@code [P, D]} split into units of {@code unitSize} entries;
     * cell (c, i) decodes target i's code with unit c from source i. Returns {@code [D / unitSize, P, C, H, W]}.
     */
    static INDArray swapUnits(INDArray sourceCodes, INDArray targetCodes, int unitSize,
                              java.util.function.UnaryOperator<INDArray> decode) {
        if (!java.util.Arrays.equals(sourceCodes.shape(), targetCodes.shape()))
            throw new IllegalArgumentException("swap: sources " + java.util.Arrays.toString(sourceCodes.shape()) + " and targets "
                    + java.util.Arrays.toString(targetCodes.shape()) + " differ in shape");
        int p = (int) targetCodes.size(0), d = (int) targetCodes.size(1), units = d / unitSize;
        INDArray codes = org.nd4j.linalg.factory.Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, (long) units * p, d);
        for (int c = 0; c < units; c++)
            for (int i = 0; i < p; i++)
                for (int e = 0; e < d; e++) {
                    boolean fromSource = e / unitSize == c;
                    codes.putScalar(new long[]{(long) c * p + i, e}, (fromSource ? sourceCodes : targetCodes).getDouble(i, e));
                }
        INDArray out = decode.apply(codes);
        return out.reshape(units, p, out.size(1), out.size(2), out.size(3));
    }

    /** {@code [values, D]}: the code {@code [1, D]} with entry {@code dim} set to each value. */
    static INDArray traversedCodes(INDArray code, int dim, double[] values) {
        int d = (int) code.size(1);
        if (code.rank() != 2 || code.size(0) != 1)
            throw new IllegalArgumentException("traverse: one code [1, D] expected, got " + java.util.Arrays.toString(code.shape()));
        if (dim < 0 || dim >= d) throw new IllegalArgumentException("traverse: dim " + dim + " outside [0, " + d + ")");
        INDArray out = org.nd4j.linalg.factory.Nd4j.create(org.nd4j.linalg.api.buffer.DataType.FLOAT, values.length, d);
        for (int j = 0; j < values.length; j++)
            for (int e = 0; e < d; e++) out.putScalar(j, e, e == dim ? values[j] : code.getDouble(0, e));
        return out;
    }

    /** Empirical quantiles {@code [q, D]} of each code entry over a batch of codes {@code [N, D]}, at {@code probs} in [0, 1]. */
    static double[][] quantiles(INDArray codes, double[] probs) {
        int n = (int) codes.size(0), d = (int) codes.size(1);
        double[][] out = new double[probs.length][d];
        for (int j = 0; j < d; j++) {
            double[] col = codes.getColumn(j).castTo(org.nd4j.linalg.api.buffer.DataType.DOUBLE).toDoubleVector();
            java.util.Arrays.sort(col);
            for (int q = 0; q < probs.length; q++) {
                double pos = Math.max(0, Math.min(1, probs[q])) * (n - 1); // linear interpolation (numpy's default)
                int lo = (int) Math.floor(pos), hi = Math.min(n - 1, lo + 1);
                out[q][j] = col[lo] + (pos - lo) * (col[hi] - col[lo]);
            }
        }
        return out;
    }
}
