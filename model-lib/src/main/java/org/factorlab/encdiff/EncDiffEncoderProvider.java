package org.factorlab.encdiff;

import org.factorlab.model.EncoderProvider;
import org.factorlab.model.RepresentationEncoder;
import org.factorlab.train.Checkpoint;

/** The "encdiff" encoder for {@link org.factorlab.model.Encoders}. */
public final class EncDiffEncoderProvider implements EncoderProvider {
    @Override
    public String modelName() {
        return EncDiffProvider.NAME;
    }

    @Override
    public RepresentationEncoder open(Checkpoint checkpoint) {
        return EncDiffEncoder.fromCheckpoint(checkpoint, "encdiff checkpoint");
    }
}
