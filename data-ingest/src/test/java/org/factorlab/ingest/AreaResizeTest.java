package org.factorlab.ingest;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class AreaResizeTest {
    @Test
    void halvingAveragesEachTwoByTwoBlock() {
        // 4x4, 1 channel: blocks of 0/255 checkerboard, constant 10 and a 0,4,8,12 block
        byte[] src = {
                0, (byte) 255, 10, 10,
                (byte) 255, 0, 10, 10,
                0, 4, 7, 7,
                8, 12, 7, 7};
        byte[] out = new AreaResize(4, 4, 1, 0, 0, 4, 4, 2, 2).apply(src);
        assertArrayEquals(new byte[]{(byte) 128, 10, 6, 7}, out);  // 127.5 rounds half up
    }

    @Test
    void fractionalCoverageWeighsEdgePixels() {
        // one row 0, 90, 180 -> 2 pixels, each covering 1.5 source pixels: (0 + 45) / 1.5 = 30, (45 + 180) / 1.5 = 150
        byte[] out = new AreaResize(1, 3, 1, 0, 0, 3, 1, 1, 2).apply(new byte[]{0, 90, (byte) 180});
        assertArrayEquals(new byte[]{30, (byte) 150}, out);
    }

    @Test
    void cropWindowSelectsTheSourceRegionPerChannel() {
        // 2x3 RGB image; crop the right 2x2 block to 1x1: mean per channel
        byte[] src = new byte[2 * 3 * 3];
        for (int y = 0; y < 2; y++)
            for (int x = 0; x < 3; x++)
                for (int c = 0; c < 3; c++) src[(y * 3 + x) * 3 + c] = (byte) (x == 0 ? 200 : 10 * (y * 2 + x) + c);
        byte[] out = new AreaResize(2, 3, 3, 1, 0, 2, 2, 1, 1).apply(src);
        // x=1,2 and y=0,1: 10*(1,2,3,4) mean 25, plus c
        assertArrayEquals(new byte[]{25, 26, 27}, out);
    }

    @Test
    void refusesCropsOutsideTheImageAndUpscaling() {
        assertThrows(IllegalArgumentException.class, () -> new AreaResize(10, 10, 1, 5, 0, 6, 6, 2, 2));
        assertThrows(IllegalArgumentException.class, () -> new AreaResize(10, 10, 1, 0, 0, 4, 4, 8, 8));
    }
}
