package org.factorlab.shards;

import java.util.List;
import org.factorlab.data.Batch;
import org.factorlab.data.DatasetSpec;
import org.factorlab.data.Images;
import org.factorlab.ingest.Example;

final class Batches {
    private Batches() {
    }

    static Batch toBatch(DatasetSpec spec, List<Example> rows) {
        byte[][] images = new byte[rows.size()][];
        int[][] factors = new int[rows.size()][];
        for (int i = 0; i < images.length; i++) {
            images[i] = rows.get(i).image();
            factors[i] = rows.get(i).factors();
        }
        return new Batch(Images.toTensor(images, spec.imageShape()), factors);
    }
}
