package org.factorlab.nn;

/**
 * Kernels in SIMD lanes for float32 arrays, through Java's incubating vector API ({@link VectorKernels}). The module
 * must be resolved at JVM start ({@code --add-modules jdk.incubator.vector}: {@code bin/factorlab}, the tests and
 * the deploy scripts pass it); without it, or with {@code -Dfactorlab.simd=false}, {@link #get()} is null and the
 * callers keep their scalar or libnd4j paths. Java 17's C2 compiler does not vectorise floating-point sums, and
 * libnd4j M2.1 has no GroupNorm or SiLU kernel of its own.
 */
interface SimdKernels {
    /** The loops over one GroupNorm group ({@link GroupNormKernel}). */
    GroupNormKernel.GroupLoops groupLoops(int groupSize);

    /** {@code s = sigmoid(x)}, {@code y = x s} over [0, n). */
    void siluForward(float[] x, float[] y, float[] s, int n);

    /** {@code dx = dy (s + y (1 - s))} over [0, n). */
    void siluBackward(float[] s, float[] y, float[] dy, float[] dx, int n);

    /** The kernels, or null where this JVM cannot run them. */
    static SimdKernels get() {
        return Loaded.KERNELS;
    }

    /** Loads the implementation reflectively: its class links against the module, which may be absent. */
    final class Loaded {
        private static final SimdKernels KERNELS = load();

        private Loaded() {
        }

        private static SimdKernels load() {
            if (!Boolean.parseBoolean(System.getProperty("factorlab.simd", "true"))) return null;
            if (ModuleLayer.boot().findModule("jdk.incubator.vector").isEmpty()) return null;
            try {
                return (SimdKernels) Class.forName("org.factorlab.nn.VectorKernels").getDeclaredConstructor().newInstance();
            } catch (ReflectiveOperationException | LinkageError e) {
                return null;
            }
        }
    }
}
