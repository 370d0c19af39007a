package org.factorlab.ingest;

/**
 * How raw readers decode.
 *
 * @param threads      decode threads (JPEG, .mat and h5 chunk inflation); output order never depends on it
 * @param allowPartial Cars3D: accept a folder with fewer than 183 cars (the car factor then has one class per
 *                     file found) instead of refusing it
 * @param celebaCrop   CelebA crop before the resize to 64x64
 */
public record ReadOptions(int threads, boolean allowPartial, CelebaCrop celebaCrop) {
    public ReadOptions {
        if (threads < 1) throw new IllegalArgumentException("threads must be >= 1, got " + threads);
        if (celebaCrop == null) celebaCrop = CelebaCrop.CENTER_148;
    }

    public static ReadOptions defaults() {
        return new ReadOptions(Runtime.getRuntime().availableProcessors(), false, CelebaCrop.CENTER_148);
    }

    public ReadOptions withThreads(int n) {
        return new ReadOptions(n, allowPartial, celebaCrop);
    }
}
