package org.factorlab.evaluate;

import java.io.Serializable;
import java.util.Objects;
import org.factorlab.metrics.CodesAndFactors;

/**
 * One model's codes to score: an id (unique within a report, e.g. "seed3"), the codes and factors already
 * gathered in memory, where they came from (a file, or a checkpoint when the stage encoded them), and the
 * SHA-256 of that input for provenance; {@code model} (null for codes files) says which checkpoint and data set the
 * stage encoded; {@code reconstruction} (null unless asked for) holds its SSIM/MSE.
 */
public record EvaluationRun(String id, CodesAndFactors data, String source, String sha256, ModelSource model,
                            ReconstructionScore reconstruction) implements Serializable {
    public EvaluationRun(String id, CodesAndFactors data, String source, String sha256) {
        this(id, data, source, sha256, null, null);
    }

    public EvaluationRun(String id, CodesAndFactors data, String source, String sha256, ModelSource model) {
        this(id, data, source, sha256, model, null);
    }

    /** This run with its reconstruction scores ({@code evaluate --reconstruction}). */
    public EvaluationRun withReconstruction(ReconstructionScore r) {
        return new EvaluationRun(id, data, source, sha256, model, r);
    }

    public EvaluationRun {
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(data, "data");
        Objects.requireNonNull(source, "source");
        Objects.requireNonNull(sha256, "sha256");
        if (!id.matches("[A-Za-z0-9._-]+"))
            throw new IllegalArgumentException("run id '" + id + "' must be letters, digits, '.', '_' or '-' (it names a directory)");
    }
}
