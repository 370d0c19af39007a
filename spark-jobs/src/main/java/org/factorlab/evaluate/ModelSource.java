package org.factorlab.evaluate;

import java.io.Serializable;
import org.factorlab.provenance.Provenance;

/**
 * Where an evaluated run's codes came from when the stage encoded them itself: the checkpoint (file, SHA-256, model,
 * step, and the provenance it was trained with) and the data set (URI and manifest SHA-256).
 */
public record ModelSource(String checkpoint, String checkpointSha256, String model, long step, Provenance trainingProvenance,
                          String data, String dataManifestSha256) implements Serializable {
}
