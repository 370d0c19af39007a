package org.factorlab.data;

import static org.junit.jupiter.api.Assertions.*;

import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.ndarray.INDArray;

class ImagesTest {
    @Test
    void hwcBytesToNchwTensorAndBack() {
        ImageShape shape = new ImageShape(2, 3, 3);
        byte[][] imgs = new byte[2][shape.bytes()];
        for (int b = 0; b < 2; b++) for (int i = 0; i < shape.bytes(); i++) imgs[b][i] = (byte) (b * 100 + i * 13);
        imgs[0][0] = 0;
        imgs[0][1] = (byte) 255;
        INDArray t = Images.toTensor(imgs, shape);
        assertArrayEquals(new long[]{2, 3, 2, 3}, t.shape());
        assertEquals(-1.0, t.getDouble(0, 0, 0, 0), 0);
        assertEquals(1.0, t.getDouble(0, 1, 0, 0), 0);
        // HWC byte (y=1, x=2, c=1) lands at [b, 1, 1, 2]
        int v = imgs[1][(1 * 3 + 2) * 3 + 1] & 0xFF;
        assertEquals(v / 127.5 - 1, t.getDouble(1, 1, 1, 2), 1e-6);
        for (int b = 0; b < 2; b++) assertArrayEquals(imgs[b], Images.toBytes(t, b));
        assertThrows(IllegalArgumentException.class, () -> Images.toTensor(new byte[][]{new byte[5]}, shape));
    }

    @Test
    void outOfRangeValuesAreClamped() {
        INDArray t = org.nd4j.linalg.factory.Nd4j.create(new float[]{-3f, 2f}, new long[]{1, 1, 1, 2}, 'c');
        assertArrayEquals(new byte[]{0, (byte) 255}, Images.toBytes(t, 0));
    }
}
