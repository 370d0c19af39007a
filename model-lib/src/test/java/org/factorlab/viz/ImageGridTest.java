package org.factorlab.viz;

import static org.junit.jupiter.api.Assertions.*;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.Map;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.nd4j.linalg.api.buffer.DataType;
import org.nd4j.linalg.factory.Nd4j;

class ImageGridTest {
    @Test
    void pixelsMapFromMinusOneOneToBytes() throws Exception {
        var img = Nd4j.create(DataType.FLOAT, 3, 2, 2);
        img.putScalar(new long[]{0, 0, 0}, 1f);   // red channel at (0,0)
        img.putScalar(new long[]{1, 0, 0}, -1f);
        img.putScalar(new long[]{2, 0, 0}, 0f);
        BufferedImage b = ImageGrid.toImage(img);
        int rgb = b.getRGB(0, 0) & 0xFFFFFF;
        assertEquals(255, rgb >> 16);
        assertEquals(0, (rgb >> 8) & 0xFF);
        assertEquals(128, rgb & 0xFF);
    }

    @Test
    void writesADecodablePngOfTheRightSize() throws Exception {
        var images = Nd4j.rand(DataType.FLOAT, 6, 3, 8, 8).muli(2).subi(1);
        var out = new ByteArrayOutputStream();
        ImageGrid.of(images, 3, 2).writePng(out);
        BufferedImage png = ImageIO.read(new ByteArrayInputStream(out.toByteArray()));
        assertEquals(2 + 3 * (16 + 2), png.getWidth());
        assertEquals(2 + 2 * (16 + 2), png.getHeight());
    }

    @Test
    void plotsWriteAPng() throws Exception {
        var out = new ByteArrayOutputStream();
        Plots.lines("loss", "step", "loss", Map.of("train", new double[][]{{1, 2, 3}, {1.0, 0.5, 0.25}}), true, out);
        assertNotNull(ImageIO.read(new ByteArrayInputStream(out.toByteArray())));
        assertArrayEquals(new double[]{1.5, 2, 2.5}, Plots.smooth(new double[]{1, 2, 3}, 3), 1e-12);
    }
}
