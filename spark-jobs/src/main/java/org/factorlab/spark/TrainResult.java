package org.factorlab.spark;

import java.util.List;
import java.util.Map;
import org.factorlab.train.TrainingState;
import org.nd4j.linalg.api.ndarray.INDArray;

/**
 * What a completed {@link TrainJob} returns: where its run directory and final checkpoint are, the final averaged
 * state, the EMA parameters (kept on the driver), the loss history and where each round's averaging time went (rounds
 * run by this invocation).
 */
public record TrainResult(String runDir, String finalCheckpoint, int rounds, TrainingState state,
                          Map<String, INDArray> ema, List<RoundStats> history, int resumedFromRound,
                          List<AveragingBreakdown> averaging) {
    public TrainResult {
        history = List.copyOf(history);
        averaging = List.copyOf(averaging);
    }
}
