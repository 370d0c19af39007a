package org.factorlab.render;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.factorlab.data.DatasetSpec;

/** Parses and checks factor subsets such as {@code floor_hue=0,3,6}: classes of the full grid, kept in the given order. */
public final class FactorRestriction {
    private FactorRestriction() {
    }

    /** Parses {@code name=c1,c2,...} options into per-factor class lists for {@code spec} (null = whole factor). */
    public static List<int[]> parse(DatasetSpec spec, List<String> options) {
        Map<String, int[]> byName = new LinkedHashMap<>();
        for (String opt : options == null ? List.<String>of() : options) {
            int eq = opt.indexOf('=');
            if (eq <= 0 || eq == opt.length() - 1)
                throw new IllegalArgumentException("--factor '" + opt + "': expected name=class,class,... e.g. floor_hue=0,3,6");
            String name = opt.substring(0, eq).trim();
            spec.factorIndex(name); // fails with the list of factor names
            if (byName.containsKey(name)) throw new IllegalArgumentException("--factor " + name + " given twice");
            String[] parts = opt.substring(eq + 1).split(",");
            int[] cls = new int[parts.length];
            for (int i = 0; i < parts.length; i++) {
                try {
                    cls[i] = Integer.parseInt(parts[i].trim());
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--factor " + name + ": '" + parts[i] + "' is not a class index");
                }
            }
            byName.put(name, cls);
        }
        List<int[]> out = new ArrayList<>();
        for (String n : spec.factorNames()) out.add(byName.get(n));
        resolve(spec, out);
        return out;
    }

    /** Fills nulls with all classes and checks ranges and duplicates. */
    static int[][] resolve(DatasetSpec spec, List<int[]> keep) {
        int k = spec.factors().size();
        if (keep != null && keep.size() != k) throw new IllegalArgumentException("expected " + k + " class lists, got " + keep.size());
        int[][] out = new int[k][];
        for (int i = 0; i < k; i++) {
            int size = spec.factors().get(i).size();
            int[] c = keep == null ? null : keep.get(i);
            if (c == null) {
                c = new int[size];
                for (int j = 0; j < size; j++) c[j] = j;
            }
            if (c.length == 0) throw new IllegalArgumentException("factor " + spec.factors().get(i).name() + ": no classes kept");
            for (int v : c)
                if (v < 0 || v >= size)
                    throw new IllegalArgumentException("factor " + spec.factors().get(i).name() + ": class " + v + " outside [0, " + size + ")");
            if (Arrays.stream(c).distinct().count() != c.length)
                throw new IllegalArgumentException("factor " + spec.factors().get(i).name() + ": duplicate classes " + Arrays.toString(c));
            out[i] = c.clone();
        }
        return out;
    }
}
