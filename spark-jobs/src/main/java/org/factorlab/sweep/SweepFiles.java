package org.factorlab.sweep;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import java.io.IOException;

/** The JSON of point.json and sweep.json. */
final class SweepFiles {
    static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private SweepFiles() {
    }

    static String outcomeJson(PointOutcome o) {
        try {
            return JSON.writeValueAsString(o) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }

    static PointOutcome readOutcome(String text, String where) {
        try {
            return JSON.readValue(text, PointOutcome.class);
        } catch (IOException e) {
            throw new IllegalArgumentException(where + "/" + PointTask.POINT_JSON + ": unreadable (" + e.getMessage() + ")", e);
        }
    }

    static JsonNode read(String text, String where) {
        try {
            return JSON.readTree(text);
        } catch (IOException e) {
            throw new IllegalArgumentException(where + ": not valid JSON (" + e.getMessage() + ")", e);
        }
    }

    static String write(Object tree) {
        try {
            return JSON.writeValueAsString(tree) + "\n";
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
