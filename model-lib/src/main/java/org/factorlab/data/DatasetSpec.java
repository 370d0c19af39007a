package org.factorlab.data;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Optional;

/**
 * What a dataset is: its ground-truth factors (possibly none, as for CelebA), image geometry, any extra
 * per-image attributes (CelebA's 40 binary attributes) and, for latent shards, the first-stage latent each row
 * carries ({@code latent}, null for image-only shards). The row order of a full grid dataset is given by
 * {@link #grid()}.
 */
public record DatasetSpec(String name, List<Factor> factors, ImageShape imageShape, List<String> attributes, LatentSpec latent) {
    public DatasetSpec {
        Objects.requireNonNull(name, "name");
        Objects.requireNonNull(imageShape, "imageShape");
        factors = List.copyOf(factors == null ? List.of() : factors);
        attributes = List.copyOf(attributes == null ? List.of() : attributes);
        var seen = new HashSet<String>();
        for (Factor f : factors)
            if (!seen.add(f.name())) throw new IllegalArgumentException("dataset '" + name + "': duplicate factor " + f.name());
        for (String a : attributes)
            if (!seen.add(a)) throw new IllegalArgumentException("dataset '" + name + "': duplicate column " + a);
    }

    public DatasetSpec(String name, List<Factor> factors, ImageShape imageShape, List<String> attributes) {
        this(name, factors, imageShape, attributes, null);
    }

    public DatasetSpec(String name, List<Factor> factors, ImageShape imageShape) {
        this(name, factors, imageShape, List.of(), null);
    }

    /** Whether rows carry a first-stage latent. */
    public boolean hasLatent() {
        return latent != null;
    }

    /** The same dataset with rows that carry {@code latent} (null: image-only). */
    public DatasetSpec withLatent(LatentSpec latent) {
        return new DatasetSpec(name, factors, imageShape, attributes, latent);
    }

    public boolean hasFactors() {
        return !factors.isEmpty();
    }

    public FactorGrid grid() {
        if (factors.isEmpty()) throw new IllegalStateException("dataset '" + name + "' has no ground-truth factors");
        return FactorGrid.of(factors);
    }

    public int[] factorSizes() {
        return factors.stream().mapToInt(Factor::size).toArray();
    }

    public List<String> factorNames() {
        return factors.stream().map(Factor::name).toList();
    }

    public Optional<Factor> factor(String factorName) {
        return factors.stream().filter(f -> f.name().equals(factorName)).findFirst();
    }

    public int factorIndex(String factorName) {
        for (int k = 0; k < factors.size(); k++) if (factors.get(k).name().equals(factorName)) return k;
        throw new IllegalArgumentException("dataset '" + name + "' has no factor '" + factorName + "'; it has " + factorNames());
    }

    public DatasetSpec withImageShape(ImageShape shape) {
        return new DatasetSpec(name, factors, shape, attributes, latent);
    }

    /** The same dataset with each factor restricted to the given classes (null keeps a factor whole). */
    public DatasetSpec restrict(List<int[]> keptClasses) {
        if (keptClasses.size() != factors.size())
            throw new IllegalArgumentException("expected " + factors.size() + " class lists, got " + keptClasses.size());
        var out = new ArrayList<Factor>();
        for (int k = 0; k < factors.size(); k++) {
            Factor f = factors.get(k);
            int[] keep = keptClasses.get(k);
            if (keep == null) { out.add(f); continue; }
            double[] v = new double[keep.length];
            for (int i = 0; i < keep.length; i++) v[i] = f.value(keep[i]);
            out.add(new Factor(f.name(), keep.length, v));
        }
        return new DatasetSpec(name, out, imageShape, attributes, latent);
    }
}
