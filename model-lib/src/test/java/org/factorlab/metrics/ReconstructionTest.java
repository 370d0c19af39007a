package org.factorlab.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.api.ndarray.INDArray;
import org.nd4j.linalg.factory.Nd4j;

/** SSIM and MSE against scikit-image 0.19.3 on fixed images (ssim-fixture.json, written by ssim-fixture.py). */
class ReconstructionTest {
    @Test
    void ssimAndMseMatchScikitImage() throws Exception {
        JsonNode fixture;
        try (InputStream in = ReconstructionTest.class.getResourceAsStream("ssim-fixture.json")) {
            fixture = new ObjectMapper().readTree(in);
        }
        assertEquals(3, fixture.get("cases").size());
        for (JsonNode c : fixture.get("cases")) {
            JsonNode a = c.get("a");
            int ch = a.size(), h = a.get(0).size(), w = a.get(0).get(0).size();
            double[] x = flatten(a, ch, h, w), y = flatten(c.get("b"), ch, h, w);
            String name = c.get("name").asText();
            assertEquals(c.get("ssim").asDouble(), Reconstruction.ssim(x, y, ch, h, w, c.get("dataRange").asDouble()), 1e-10, name);
            assertEquals(c.get("mse").asDouble(), Reconstruction.mse(x, y), 1e-14, name);
        }
    }

    @Test
    void modelImagesAreComparedInZeroOneWithRangeOne() throws Exception {
        INDArray a = Nd4j.rand(DataType.DOUBLE, 2, 3, 12, 12).muli(2).subi(1);
        INDArray b = a.add(Nd4j.rand(DataType.DOUBLE, 2, 3, 12, 12).subi(0.5).muli(0.2));
        Reconstruction.Result r = Reconstruction.of(a, b);
        double[] a0 = a.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).dup().addi(1).divi(2).data().asDouble();
        double[] b0 = b.get(org.nd4j.linalg.indexing.NDArrayIndex.point(0)).dup().addi(1).divi(2).data().asDouble();
        double[] a1 = a.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)).dup().addi(1).divi(2).data().asDouble();
        double[] b1 = b.get(org.nd4j.linalg.indexing.NDArrayIndex.point(1)).dup().addi(1).divi(2).data().asDouble();
        assertEquals((Reconstruction.ssim(a0, b0, 3, 12, 12, 1) + Reconstruction.ssim(a1, b1, 3, 12, 12, 1)) / 2, r.ssim(), 1e-12);
        assertEquals(b.sub(a).divi(2).norm2Number().doubleValue() * b.sub(a).divi(2).norm2Number().doubleValue() / a.length(), r.mse(), 1e-12);
        assertEquals(1.0, Reconstruction.of(a, a).ssim(), 1e-12);
        assertThrows(IllegalArgumentException.class, () -> Reconstruction.ssim(new double[100], new double[100], 1, 10, 10, 1));
    }

    private static double[] flatten(JsonNode img, int ch, int h, int w) {
        double[] out = new double[ch * h * w];
        for (int c = 0; c < ch; c++)
            for (int y = 0; y < h; y++)
                for (int x = 0; x < w; x++) out[(c * h + y) * w + x] = img.get(c).get(y).get(x).asDouble();
        return out;
    }
}
