package org.factorlab.ingest;

import java.io.IOException;
import org.factorlab.data.DatasetSpec;

/**
 * Reads one raw dataset (3dshapes.h5, an MPI3D npz, the Cars3D .mat folder, CelebA's folder, a dSprites npz)
 * and streams its images in bounded memory. Opening validates the source; problems are reported as
 * {@link InvalidInputException}s naming the file and the field.
 */
public interface RawReader extends AutoCloseable {
    /** The dataset the source holds (factor grid, image shape after any resize). */
    DatasetSpec spec();

    /** Number of images the source holds. */
    long count();

    /** Streams every image once, in source order. May call {@code sink} from several threads. */
    void read(ExampleSink sink) throws IOException;

    /**
     * What the class numbers of a factor stand for when the input decides it (Cars3D: which file is which car),
     * one line per factor, recorded in the manifest's provenance; empty when the classes are fixed by the dataset.
     */
    default String classMapping() {
        return "";
    }

    @Override
    default void close() throws IOException {
    }

    @FunctionalInterface
    interface ExampleSink {
        void accept(Example example) throws IOException;
    }
}
