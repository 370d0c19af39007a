package org.factorlab.data;

import java.util.Iterator;

/**
 * An endless, seeded stream of minibatches (one epoch after another, reshuffled per epoch). Training code only
 * sees this interface; shard readers, renderers and tests implement it.
 */
public interface BatchSource extends Iterator<Batch>, AutoCloseable {
    DatasetSpec spec();

    @Override
    default boolean hasNext() {
        return true;
    }

    @Override
    default void close() {
    }
}
