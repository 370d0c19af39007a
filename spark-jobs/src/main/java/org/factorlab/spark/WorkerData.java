package org.factorlab.spark;

import java.io.Serializable;
import org.factorlab.data.BatchSource;
import org.factorlab.data.DatasetSpec;

/**
 * A training dataset as the Spark job sees it: shipped to every worker, each of which opens the stream of its own
 * equal-size partition. {@link #open} must be a pure function of its arguments (same rows, same order), so a
 * retried task or a resumed run sees exactly the data the first attempt saw.
 */
public interface WorkerData extends Serializable {
    /** The URI or description that errors and provenance name. */
    String name();

    DatasetSpec spec();

    /** SHA-256 of the data manifest (recorded in provenance; a resumed run must see the same data). */
    String manifestSha256();

    /** Rows in the whole dataset. */
    long rows();

    /**
     * The endless, epoch-shuffled minibatch stream of worker {@code worker} of {@code workers}: rows
     * {@code [worker * rows / workers, ...)} of an equal split (remainders dropped), shuffled with {@code seed}.
     */
    BatchSource open(int worker, int workers, int batchSize, long seed);

    /** One pass over every row, in stored order, in batches of {@code batchSize} (the last may be smaller): for encoding. */
    java.util.Iterator<org.factorlab.data.Batch> scan(int batchSize);
}
