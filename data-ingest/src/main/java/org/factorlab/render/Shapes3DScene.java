package org.factorlab.render;

/**
 * The Shapes3D-like scene, ray cast analytically: a floor, two back walls meeting in a corner behind the object,
 * and one object (cube, cylinder, sphere or capsule) standing on the floor at the origin. The camera orbits the
 * object about the vertical axis by the orientation angle. One directional light gives Lambertian shading with
 * ambient light, hard shadows cast by the object on the floor and walls, and a small white highlight on the object.
 *
 * <p>Everything but the three hues is geometry, so one ray-casting pass per (scale, shape, orientation) yields
 * {@link Layers}: per pixel, the light reflected by each surface (averaged over {@code samples x samples}
 * stratified sub-pixel rays) per unit albedo. An image is then a per-pixel linear mix of the three hue colours
 * plus the highlight, in linear light, converted to sRGB: exactly what per-image ray casting would give, at a
 * tiny fraction of the cost. Deterministic: no randomness anywhere.
 */
public final class Shapes3DScene {
    public static final int SURFACE_NONE = 0, SURFACE_FLOOR = 1, SURFACE_WALL = 2, SURFACE_OBJECT = 3;

    // Camera: orbit radius and height, look-at height, vertical field of view.
    static final double CAM_DISTANCE = 5.0, CAM_HEIGHT = 2.0, LOOK_AT_HEIGHT = 0.9, FOV_DEG = 38;
    // Corner of the two back walls, behind the object; the walls run at +-45 degrees from it towards the camera.
    static final double CORNER_Z = -3.2;
    // Object at scale 1: about 1 unit tall, i.e. ~28% of the frame height (real Shapes3D: roughly 1/4 to 1/3).
    static final double OBJECT_SIZE = 1.0;
    static final double AMBIENT = 0.28, DIFFUSE = 0.72, SPECULAR = 0.18, SHININESS = 24;
    private static final double[] LIGHT = normalize(0.45, 1.0, 0.75);
    private static final double EPS = 1e-7;
    private static final double INV_SQRT2 = 1 / Math.sqrt(2);
    // Wall normals (pointing into the room): left wall faces +x+z, right wall faces -x+z.
    private static final double[] WALL_L = {INV_SQRT2, 0, INV_SQRT2}, WALL_R = {-INV_SQRT2, 0, INV_SQRT2};

    /** Per-pixel reflected light per unit albedo of each surface, plus the white highlight; row-major, H x W. */
    public record Layers(int size, float[] floor, float[] wall, float[] object, float[] highlight, float[] shadow) {
    }

    private Shapes3DScene() {
    }

    /**
     * Ray casts one geometry. {@code shape}: 0 cube, 1 cylinder, 2 sphere, 3 capsule; {@code scale} as Shapes3D
     * stores it (0.75..1.25); {@code orientationDeg} the camera azimuth in degrees (-30..30).
     */
    public static Layers render(int size, int samples, double scale, int shape, double orientationDeg) {
        int p = size * size;
        float[] floor = new float[p], wall = new float[p], object = new float[p], highlight = new float[p], shadow = new float[p];
        Obj obj = new Obj(shape, scale * OBJECT_SIZE);
        double th = Math.toRadians(orientationDeg);
        double ex = CAM_DISTANCE * Math.sin(th), ey = CAM_HEIGHT, ez = CAM_DISTANCE * Math.cos(th);
        double[] f = normalize(-ex, LOOK_AT_HEIGHT - ey, -ez);
        double[] r = normalize(f[1] * 0 - f[2] * 1, f[2] * 0 - f[0] * 0, f[0] * 1 - f[1] * 0); // f x up
        double[] u = {r[1] * f[2] - r[2] * f[1], r[2] * f[0] - r[0] * f[2], r[0] * f[1] - r[1] * f[0]}; // r x f
        double tanHalf = Math.tan(Math.toRadians(FOV_DEG) / 2);
        double inv = 1.0 / (samples * samples);
        double[] hit = new double[4]; // scratch: t and normal of the object hit (no per-ray allocation)
        for (int py = 0; py < size; py++) {
            for (int px = 0; px < size; px++) {
                double aF = 0, aW = 0, aO = 0, aS = 0, aSh = 0;
                for (int sy = 0; sy < samples; sy++) {
                    double v = (0.5 - (py + (sy + 0.5) / samples) / size) * 2 * tanHalf;
                    for (int sx = 0; sx < samples; sx++) {
                        double uu = ((px + (sx + 0.5) / samples) / size - 0.5) * 2 * tanHalf;
                        double dx = f[0] + uu * r[0] + v * u[0], dy = f[1] + uu * r[1] + v * u[1], dz = f[2] + uu * r[2] + v * u[2];
                        double il = 1 / Math.sqrt(dx * dx + dy * dy + dz * dz);
                        dx *= il;
                        dy *= il;
                        dz *= il;
                        // the room is convex and the camera inside: the nearest plane hit is the visible one
                        double tBg = Double.POSITIVE_INFINITY;
                        int bg = SURFACE_NONE;
                        double nx = 0, ny = 0, nz = 0;
                        if (dy < 0) {
                            tBg = -ey / dy;
                            bg = SURFACE_FLOOR;
                            nx = 0; ny = 1; nz = 0;
                        }
                        double dn = WALL_L[0] * dx + WALL_L[2] * dz;
                        if (dn < 0) {
                            double t = (WALL_L[0] * (0 - ex) + WALL_L[2] * (CORNER_Z - ez)) / dn;
                            if (t < tBg) { tBg = t; bg = SURFACE_WALL; nx = WALL_L[0]; ny = 0; nz = WALL_L[2]; }
                        }
                        dn = WALL_R[0] * dx + WALL_R[2] * dz;
                        if (dn < 0) {
                            double t = (WALL_R[0] * (0 - ex) + WALL_R[2] * (CORNER_Z - ez)) / dn;
                            if (t < tBg) { tBg = t; bg = SURFACE_WALL; nx = WALL_R[0]; ny = 0; nz = WALL_R[2]; }
                        }
                        double tObj = obj.intersect(ex, ey, ez, dx, dy, dz, hit);
                        if (tObj < tBg) {
                            double ndl = hit[1] * LIGHT[0] + hit[2] * LIGHT[1] + hit[3] * LIGHT[2];
                            aO += AMBIENT + DIFFUSE * Math.max(0, ndl);
                            if (ndl > 0) { // Blinn-Phong highlight, half vector between light and eye
                                double hx = LIGHT[0] - dx, hy = LIGHT[1] - dy, hz = LIGHT[2] - dz;
                                double hl = 1 / Math.sqrt(hx * hx + hy * hy + hz * hz);
                                double ndh = (hit[1] * hx + hit[2] * hy + hit[3] * hz) * hl;
                                if (ndh > 0) aS += SPECULAR * Math.pow(ndh, SHININESS);
                            }
                        } else if (bg != SURFACE_NONE) {
                            double hx = ex + tBg * dx, hy = ey + tBg * dy, hz = ez + tBg * dz;
                            double ndl = nx * LIGHT[0] + ny * LIGHT[1] + nz * LIGHT[2];
                            boolean lit = ndl > 0 && obj.intersect(hx + nx * 1e-6, hy + ny * 1e-6, hz + nz * 1e-6,
                                    LIGHT[0], LIGHT[1], LIGHT[2], hit) == Double.POSITIVE_INFINITY;
                            double shade = AMBIENT + (lit ? DIFFUSE * Math.max(0, ndl) : 0);
                            if (!lit) aSh += 1;
                            if (bg == SURFACE_FLOOR) aF += shade;
                            else aW += shade;
                        }
                    }
                }
                int i = py * size + px;
                floor[i] = (float) (aF * inv);
                wall[i] = (float) (aW * inv);
                object[i] = (float) (aO * inv);
                highlight[i] = (float) (aS * inv);
                shadow[i] = (float) (aSh * inv);
            }
        }
        return new Layers(size, floor, wall, object, highlight, shadow);
    }

    /** Which surface the centre ray of each pixel sees (for tests and masks). */
    public static int[] surfaces(Layers l) {
        int[] out = new int[l.floor().length];
        for (int i = 0; i < out.length; i++) {
            float f = l.floor()[i], w = l.wall()[i], o = l.object()[i];
            out[i] = o >= f && o >= w && o > 0 ? SURFACE_OBJECT : w >= f && w > 0 ? SURFACE_WALL : f > 0 ? SURFACE_FLOOR : SURFACE_NONE;
        }
        return out;
    }

    /** The object, in its own frame: standing on the floor (y = 0) at the origin, axis vertical. */
    private static final class Obj {
        private final int shape;
        private final double half, height, radius, capLo, capHi;

        Obj(int shape, double s) {
            this.shape = shape;
            switch (shape) {
                case 0 -> { half = 0.42 * s; height = 0.84 * s; radius = 0; } // cube
                case 1 -> { radius = 0.45 * s; height = 0.9 * s; half = 0; } // cylinder
                case 2 -> { radius = 0.5 * s; height = 1.0 * s; half = 0; } // sphere
                case 3 -> { radius = 0.32 * s; height = 1.1 * s; half = 0; } // capsule
                default -> throw new IllegalArgumentException("shape class " + shape + " outside [0, 4)");
            }
            capLo = radius;
            capHi = height - radius;
        }

        /** Nearest t > 0 of the ray o + t d (d unit) with the object, normal into hit[1..3]; +inf on a miss. */
        double intersect(double ox, double oy, double oz, double dx, double dy, double dz, double[] hit) {
            return switch (shape) {
                case 0 -> box(ox, oy, oz, dx, dy, dz, hit);
                case 1 -> cylinder(ox, oy, oz, dx, dy, dz, hit);
                case 2 -> sphere(ox, oy, oz, dx, dy, dz, radius, radius, hit);
                default -> capsule(ox, oy, oz, dx, dy, dz, hit);
            };
        }

        private double box(double ox, double oy, double oz, double dx, double dy, double dz, double[] hit) {
            // slab test, axes unrolled (no per-ray arrays)
            double tNear = Double.NEGATIVE_INFINITY, tFar = Double.POSITIVE_INFINITY;
            int axis = -1;
            double sign = 0;
            for (int a = 0; a < 3; a++) {
                double o = a == 0 ? ox : a == 1 ? oy : oz, d = a == 0 ? dx : a == 1 ? dy : dz;
                double lo = a == 1 ? 0 : -half, hi = a == 1 ? height : half;
                if (Math.abs(d) < 1e-12) {
                    if (o < lo || o > hi) return Double.POSITIVE_INFINITY;
                    continue;
                }
                double t1 = (lo - o) / d, t2 = (hi - o) / d;
                double s = -1;
                if (t1 > t2) { double t = t1; t1 = t2; t2 = t; s = 1; }
                if (t1 > tNear) { tNear = t1; axis = a; sign = s; }
                if (t2 < tFar) tFar = t2;
                if (tNear > tFar) return Double.POSITIVE_INFINITY;
            }
            if (tNear <= EPS || axis < 0) return Double.POSITIVE_INFINITY;
            hit[0] = tNear;
            hit[1] = axis == 0 ? sign : 0;
            hit[2] = axis == 1 ? sign : 0;
            hit[3] = axis == 2 ? sign : 0;
            return tNear;
        }

        private double cylinder(double ox, double oy, double oz, double dx, double dy, double dz, double[] hit) {
            double best = Double.POSITIVE_INFINITY;
            double a = dx * dx + dz * dz, b = ox * dx + oz * dz, c = ox * ox + oz * oz - radius * radius;
            if (a > 1e-12) {
                double disc = b * b - a * c;
                if (disc >= 0) {
                    double t = (-b - Math.sqrt(disc)) / a;
                    double y = oy + t * dy;
                    if (t > EPS && y >= 0 && y <= height) {
                        best = t;
                        double hx = ox + t * dx, hz = oz + t * dz;
                        hit[1] = hx / radius; hit[2] = 0; hit[3] = hz / radius;
                    }
                }
            }
            if (Math.abs(dy) > 1e-12) { // caps (the top one is what a camera above sees)
                for (int cap = 0; cap < 2; cap++) {
                    double capY = cap == 0 ? height : 0;
                    double t = (capY - oy) / dy;
                    if (t > EPS && t < best) {
                        double hx = ox + t * dx, hz = oz + t * dz;
                        if (hx * hx + hz * hz <= radius * radius) {
                            best = t;
                            hit[1] = 0; hit[2] = capY == 0 ? -1 : 1; hit[3] = 0;
                        }
                    }
                }
            }
            hit[0] = best;
            return best;
        }

        private double sphere(double ox, double oy, double oz, double dx, double dy, double dz, double cy, double rad, double[] hit) {
            double py = oy - cy;
            double b = ox * dx + py * dy + oz * dz, c = ox * ox + py * py + oz * oz - rad * rad;
            double disc = b * b - c;
            if (disc < 0) return Double.POSITIVE_INFINITY;
            double sq = Math.sqrt(disc);
            double t = -b - sq;
            if (t <= EPS) t = -b + sq;
            if (t <= EPS) return Double.POSITIVE_INFINITY;
            hit[0] = t;
            hit[1] = (ox + t * dx) / rad;
            hit[2] = (py + t * dy) / rad;
            hit[3] = (oz + t * dz) / rad;
            return t;
        }

        private double capsule(double ox, double oy, double oz, double dx, double dy, double dz, double[] hit) {
            double best = Double.POSITIVE_INFINITY;
            double nx = 0, ny = 0, nz = 0;
            double a = dx * dx + dz * dz, b = ox * dx + oz * dz, c = ox * ox + oz * oz - radius * radius;
            if (a > 1e-12) {
                double disc = b * b - a * c;
                if (disc >= 0) {
                    double t = (-b - Math.sqrt(disc)) / a;
                    double y = oy + t * dy;
                    if (t > EPS && y >= capLo && y <= capHi) {
                        best = t;
                        nx = (ox + t * dx) / radius; ny = 0; nz = (oz + t * dz) / radius;
                    }
                }
            }
            for (int cap = 0; cap < 2; cap++) {
                double cy = cap == 0 ? capHi : capLo;
                double t = sphere(ox, oy, oz, dx, dy, dz, cy, radius, hit);
                if (t < best) {
                    best = t;
                    nx = hit[1]; ny = hit[2]; nz = hit[3];
                }
            }
            hit[0] = best;
            hit[1] = nx; hit[2] = ny; hit[3] = nz;
            return best;
        }
    }

    static double[] normalize(double x, double y, double z) {
        double l = Math.sqrt(x * x + y * y + z * z);
        return new double[]{x / l, y / l, z / l};
    }
}
