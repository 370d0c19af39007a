package org.factorlab.shards;

import java.io.FileNotFoundException;

/** No complete dataset at a path: no manifest (never written, or the write was interrupted). */
public final class MissingDatasetException extends FileNotFoundException {
    public MissingDatasetException(String message) {
        super(message);
    }
}
