package org.factorlab.vae;

import java.util.ArrayList;
import java.util.List;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/**
 * iVAE's auxiliary variable u, built from each image's factor classes. Two kinds:
 * <ul>
 * <li>{@code one_hot}: the concatenated one-hot classes of the chosen factors (Khemakhem et al.'s segment labels).</li>
 * <li>{@code label_variance}: the iVAE+DDPM term paper's "variance and optionally the mean of the label y". With
 * {@code y_k = class_k / (n_k - 1)} in [0, 1], uniformly distributed over the factor grid, entry k is the label's
 * squared deviation from its grid mean in units of its grid variance, {@code (y_k - 1/2)^2 / var_k} with
 * {@code var_k = (n_k + 1) / (12 (n_k - 1))}; with {@code withMean}, {@code y_k} itself follows. A factor with one
 * class contributes 0.</li>
 * </ul>
 */
public final class AuxiliaryVariable {
    public enum Kind {
        ONE_HOT, LABEL_VARIANCE
    }

    private final Kind kind;
    private final boolean withMean;
    private final int[] factorIndex;
    private final int[] sizes;

    /**
     * @param names   the dataset's factor names, as the config's {@code ivae.factorNames}
     * @param sizes   their class counts
     * @param chosen  the factors that enter u; empty for all
     */
    public AuxiliaryVariable(Kind kind, boolean withMean, List<String> names, List<Integer> sizes, List<String> chosen) {
        if (names.isEmpty())
            throw new IllegalArgumentException("ivae.factorNames: empty; u is built from factor labels, and the data must have them "
                    + "(a dataset without factors, such as CelebA, cannot train an iVAE)");
        List<String> use = chosen.isEmpty() ? names : chosen;
        this.kind = kind;
        this.withMean = withMean;
        this.factorIndex = new int[use.size()];
        this.sizes = new int[use.size()];
        for (int i = 0; i < use.size(); i++) {
            int k = names.indexOf(use.get(i));
            if (k < 0) throw new IllegalArgumentException("ivae.factors: '" + use.get(i) + "' is not one of " + names);
            factorIndex[i] = k;
            this.sizes[i] = sizes.get(k);
            if (this.sizes[i] < 1) throw new IllegalArgumentException("ivae.factorSizes: factor '" + use.get(i) + "' has " + this.sizes[i] + " classes");
        }
    }

    /** Width of u. */
    public int dim() {
        if (kind == Kind.ONE_HOT) {
            int d = 0;
            for (int s : sizes) d += s;
            return d;
        }
        return sizes.length * (withMean ? 2 : 1);
    }

    /** u {@code [B, dim]} of a batch's factor classes {@code [B][K]}. */
    public INDArray of(int[][] classes, DataType dtype) {
        INDArray u = Nd4j.zeros(dtype, classes.length, dim());
        for (int b = 0; b < classes.length; b++) {
            if (classes[b].length == 0)
                throw new IllegalArgumentException("iVAE: a batch image has no factor labels; u needs them (ivae.u)");
            int col = 0;
            for (int i = 0; i < sizes.length; i++) {
                int c = classes[b][factorIndex[i]];
                if (c < 0 || c >= sizes[i])
                    throw new IllegalArgumentException("iVAE: factor class " + c + " outside [0, " + sizes[i] + ") (ivae.factorSizes)");
                if (kind == Kind.ONE_HOT) {
                    u.putScalar(b, col + c, 1.0);
                    col += sizes[i];
                } else {
                    double y = sizes[i] == 1 ? 0.5 : c / (sizes[i] - 1.0);
                    double var = sizes[i] == 1 ? 1.0 : (sizes[i] + 1.0) / (12.0 * (sizes[i] - 1.0));
                    u.putScalar(b, col++, (y - 0.5) * (y - 0.5) / var * (sizes[i] == 1 ? 0 : 1));
                    if (withMean) u.putScalar(b, col++, y);
                }
            }
        }
        return u;
    }

    /**
     * The expectation of u {@code [1, dim]} over the factor grid (every class of every chosen factor equally likely):
     * what an encoder q(z|x,u) is given when the labels are not to be read (evaluation, pictures).
     */
    public INDArray gridMean(DataType dtype) {
        int k = 0;
        for (int i : factorIndex) k = Math.max(k, i + 1);
        INDArray sum = Nd4j.zeros(DataType.DOUBLE, 1, dim());
        for (int i = 0; i < sizes.length; i++) {
            // rows that vary factor i over its classes with the others at class 0; u's entries of factor i are
            // averaged over those rows, the other factors' entries are taken from their own loop
            int[][] rows = new int[sizes[i]][k];
            for (int c = 0; c < sizes[i]; c++) rows[c][factorIndex[i]] = c;
            INDArray u = of(rows, DataType.DOUBLE).mean(true, 0);
            int from = offset(i), to = offset(i + 1);
            for (int j = from; j < to; j++) sum.putScalar(0, j, u.getDouble(0, j));
        }
        return sum.castTo(dtype);
    }

    /** First column of factor {@code i}'s entries in u. */
    private int offset(int i) {
        int col = 0;
        for (int j = 0; j < i; j++) col += kind == Kind.ONE_HOT ? sizes[j] : (withMean ? 2 : 1);
        return col;
    }

    /** The factor sizes in u's order, for messages. */
    public List<Integer> sizes() {
        List<Integer> out = new ArrayList<>();
        for (int s : sizes) out.add(s);
        return out;
    }
}
