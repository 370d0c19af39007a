package org.factorlab.data;

import java.util.List;
import java.util.Locale;

/** The datasets Factorlab knows, with their factor grids as the published files store them (docs/data.md). */
public enum KnownDataset {
    SHAPES3D, MPI3D, MPI3D_460K, CARS3D, DSPRITES, CELEBA;

    public static final List<String> CELEBA_ATTRIBUTES = List.of(
            "5_o_Clock_Shadow", "Arched_Eyebrows", "Attractive", "Bags_Under_Eyes", "Bald", "Bangs", "Big_Lips",
            "Big_Nose", "Black_Hair", "Blond_Hair", "Blurry", "Brown_Hair", "Bushy_Eyebrows", "Chubby", "Double_Chin",
            "Eyeglasses", "Goatee", "Gray_Hair", "Heavy_Makeup", "High_Cheekbones", "Male", "Mouth_Slightly_Open",
            "Mustache", "Narrow_Eyes", "No_Beard", "Oval_Face", "Pale_Skin", "Pointy_Nose", "Receding_Hairline",
            "Rosy_Cheeks", "Sideburns", "Smiling", "Straight_Hair", "Wavy_Hair", "Wearing_Earrings", "Wearing_Hat",
            "Wearing_Lipstick", "Wearing_Necklace", "Wearing_Necktie", "Young");

    /** Column holding CelebA's train/valid/test split (0, 1, 2 as list_eval_partition.txt gives it). */
    public static final String CELEBA_SPLIT = "split";

    public String id() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static KnownDataset fromId(String id) {
        for (KnownDataset d : values()) if (d.id().equals(id.toLowerCase(Locale.ROOT).replace('-', '_'))) return d;
        throw new IllegalArgumentException("unknown dataset '" + id + "'; known: " + List.of(values()).stream().map(KnownDataset::id).toList());
    }

    /** The spec at the dataset's native 64x64 resolution. */
    public DatasetSpec spec() {
        return switch (this) {
            case SHAPES3D -> new DatasetSpec(id(), List.of(
                    hue("floor_hue"), hue("wall_hue"), hue("object_hue"),
                    Factor.linspace("scale", 8, 0.75, 1.25),
                    Factor.ofClasses("shape", 4),
                    Factor.linspace("orientation", 15, -30, 30)), ImageShape.square(64, 3));
            case MPI3D -> new DatasetSpec(id(), mpi3d(6, 6), ImageShape.square(64, 3));
            case MPI3D_460K -> new DatasetSpec(id(), mpi3d(4, 4), ImageShape.square(64, 3));
            case CARS3D -> new DatasetSpec(id(), List.of(
                    Factor.ofClasses("elevation", 4), Factor.ofClasses("azimuth", 24), Factor.ofClasses("car", 183)),
                    ImageShape.square(64, 3));
            case DSPRITES -> new DatasetSpec(id(), List.of(
                    Factor.ofClasses("color", 1), Factor.ofClasses("shape", 3),
                    Factor.linspace("scale", 6, 0.5, 1.0),
                    Factor.linspace("orientation", 40, 0, 2 * Math.PI),
                    Factor.linspace("pos_x", 32, 0, 1), Factor.linspace("pos_y", 32, 0, 1)),
                    ImageShape.square(64, 1));
            case CELEBA -> new DatasetSpec(id(), List.of(), ImageShape.square(64, 3),
                    concat(CELEBA_ATTRIBUTES, CELEBA_SPLIT));
        };
    }

    private static Factor hue(String name) {
        double[] v = new double[10];
        for (int i = 0; i < 10; i++) v[i] = i / 10.0;
        return new Factor(name, 10, v);
    }

    private static List<Factor> mpi3d(int colors, int shapes) {
        return List.of(Factor.ofClasses("object_color", colors), Factor.ofClasses("object_shape", shapes),
                Factor.ofClasses("object_size", 2), Factor.ofClasses("camera_height", 3),
                Factor.ofClasses("background_color", 3), Factor.ofClasses("horizontal_axis", 40),
                Factor.ofClasses("vertical_axis", 40));
    }

    private static List<String> concat(List<String> a, String b) {
        var out = new java.util.ArrayList<>(a);
        out.add(b);
        return out;
    }
}
