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
        org.nd4j.linalg.api.ndarray.INDArray latents = null;
        if (spec.hasLatent() && !rows.isEmpty() && rows.get(0).latent() != null) {
            int n = spec.latent().size();
            float[] buf = new float[rows.size() * n];
            for (int i = 0; i < images.length; i++) System.arraycopy(rows.get(i).latent(), 0, buf, i * n, n);
            long[] s = spec.latent().shapeArray();
            latents = org.nd4j.linalg.factory.Nd4j.create(buf, new long[]{rows.size(), s[0], s[1], s[2]}, 'c');
        }
        return new Batch(Images.toTensor(images, spec.imageShape()), factors, latents);
    }
}
