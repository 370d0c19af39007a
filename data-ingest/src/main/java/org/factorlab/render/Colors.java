package org.factorlab.render;

/** Colour helpers shared by the renderers: HSV as Python's colorsys defines it, and sRGB <-> linear. */
public final class Colors {
    private static final int LUT_SIZE = 4096;
    private static final byte[] LINEAR_TO_SRGB = new byte[LUT_SIZE + 1];

    static {
        for (int i = 0; i <= LUT_SIZE; i++) {
            double x = (double) i / LUT_SIZE;
            double s = x <= 0.0031308 ? 12.92 * x : 1.055 * Math.pow(x, 1 / 2.4) - 0.055;
            LINEAR_TO_SRGB[i] = (byte) Math.round(s * 255);
        }
    }

    private Colors() {
    }

    /** colorsys.hsv_to_rgb: components in [0, 1]. */
    public static double[] hsvToRgb(double h, double s, double v) {
        if (s == 0) return new double[]{v, v, v};
        double hh = (h - Math.floor(h)) * 6;
        int i = (int) hh;
        double f = hh - i, p = v * (1 - s), q = v * (1 - s * f), t = v * (1 - s * (1 - f));
        return switch (i % 6) {
            case 0 -> new double[]{v, t, p};
            case 1 -> new double[]{q, v, p};
            case 2 -> new double[]{p, v, t};
            case 3 -> new double[]{p, q, v};
            case 4 -> new double[]{t, p, v};
            default -> new double[]{v, p, q};
        };
    }

    public static double srgbToLinear(double c) {
        return c <= 0.04045 ? c / 12.92 : Math.pow((c + 0.055) / 1.055, 2.4);
    }

    /** Linear intensity (clamped to [0, 1]) to an sRGB uint8, through a 4097-entry table. */
    public static byte linearToSrgbByte(float x) {
        int i = (int) (x * LUT_SIZE + 0.5f);
        return LINEAR_TO_SRGB[i < 0 ? 0 : Math.min(i, LUT_SIZE)];
    }

    /** The linear-light albedo of a fully saturated, full-value hue. */
    public static float[] linearHue(double hue) {
        double[] rgb = hsvToRgb(hue, 1, 1);
        return new float[]{(float) srgbToLinear(rgb[0]), (float) srgbToLinear(rgb[1]), (float) srgbToLinear(rgb[2])};
    }
}
