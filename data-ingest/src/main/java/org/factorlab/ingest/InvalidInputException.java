package org.factorlab.ingest;

import java.io.IOException;

/** Bad input data: the message names the file and the field (or key, column, attribute) at fault. */
public final class InvalidInputException extends IOException {
    private final String file;
    private final String field;

    public InvalidInputException(String file, String field, String problem) {
        super(file + (field == null || field.isEmpty() ? "" : " [" + field + "]") + ": " + problem);
        this.file = file;
        this.field = field;
    }

    public InvalidInputException(String file, String field, String problem, Throwable cause) {
        this(file, field, problem);
        initCause(cause);
    }

    public String file() {
        return file;
    }

    public String field() {
        return field;
    }
}
