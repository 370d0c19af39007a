package org.factorlab.data;

import java.util.Arrays;
import java.util.Objects;

/**
 * One ground-truth factor of variation: its name, number of classes and the real value of each class
 * (as the source dataset stores it, e.g. Shapes3D's scale linspace(0.75, 1.25, 8)).
 */
public record Factor(String name, int size, double[] values) {
    public Factor {
        Objects.requireNonNull(name, "name");
        if (name.isBlank()) throw new IllegalArgumentException("factor name is blank");
        if (size < 1) throw new IllegalArgumentException("factor '" + name + "': size must be >= 1, got " + size);
        if (values == null) values = classIndices(size);
        if (values.length != size)
            throw new IllegalArgumentException("factor '" + name + "': " + values.length + " values for size " + size);
        values = values.clone();
    }

    /** A factor whose values are its class indices 0..size-1. */
    public static Factor ofClasses(String name, int size) {
        return new Factor(name, size, classIndices(size));
    }

    /** A factor whose values are numpy.linspace(from, to, size). */
    public static Factor linspace(String name, int size, double from, double to) {
        double[] v = new double[size];
        for (int i = 0; i < size; i++) v[i] = size == 1 ? from : from + (to - from) * i / (size - 1);
        return new Factor(name, size, v);
    }

    @Override
    public double[] values() {
        return values.clone();
    }

    public double value(int cls) {
        if (cls < 0 || cls >= size)
            throw new IllegalArgumentException("factor '" + name + "': class " + cls + " outside [0, " + size + ")");
        return values[cls];
    }

    /** The class whose stored value is nearest to {@code value}, or -1 if none is within {@code tol}. */
    public int classOf(double value, double tol) {
        int best = -1;
        double bestDist = Double.POSITIVE_INFINITY;
        for (int i = 0; i < size; i++) {
            double d = Math.abs(values[i] - value);
            if (d < bestDist) { bestDist = d; best = i; }
        }
        return bestDist <= tol ? best : -1;
    }

    private static double[] classIndices(int size) {
        double[] v = new double[size];
        for (int i = 0; i < size; i++) v[i] = i;
        return v;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof Factor f && f.name.equals(name) && f.size == size && Arrays.equals(f.values, values);
    }

    @Override
    public int hashCode() {
        return Objects.hash(name, size, Arrays.hashCode(values));
    }

    @Override
    public String toString() {
        return name + "[" + size + "]";
    }
}
