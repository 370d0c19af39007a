package org.factorlab.shards;

import java.io.IOException;

/** The output path already holds a different dataset (or files that are not a Factorlab dataset). */
public final class DatasetConflictException extends IOException {
    public DatasetConflictException(String message) {
        super(message);
    }
}
