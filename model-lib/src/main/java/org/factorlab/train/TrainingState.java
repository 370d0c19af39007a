package org.factorlab.train;

import java.util.LinkedHashMap;
import java.util.Map;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * Everything that parameter averaging and checkpoints move around: the step count, the parameters and the
 * optimizer (updater) state, each keyed by a stable variable name. Arrays are owned copies.
 */
public record TrainingState(long step, Map<String, INDArray> parameters, Map<String, INDArray> updaterState) {
    public TrainingState {
        parameters = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(parameters));
        updaterState = java.util.Collections.unmodifiableMap(new LinkedHashMap<>(updaterState));
    }
}
