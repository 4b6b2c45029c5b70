package org.plscj.data;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import javax.imageio.ImageIO;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.Test;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Tensors;

class ImageDecoderTest {
    private static final int H = 4;
    private static final int W = 5;

    /** A deterministic image whose every pixel and channel differ: r = 10y + x, g = 100 + r, b = 255 − r. */
    private static BufferedImage pattern(int h, int w) {
        BufferedImage img = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < h; y++) {
            for (int x = 0; x < w; x++) {
                int r = 10 * y + x;
                img.setRGB(x, y, (r << 16) | ((100 + r) << 8) | (255 - r));
            }
        }
        return img;
    }

    private static byte[] encode(BufferedImage img, String format) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        assertTrue(ImageIO.write(img, format, out), "no writer for " + format);
        return out.toByteArray();
    }

    private static float at(float[] chw, int offset, int c, int y, int x) {
        return chw[offset + (c * H + y) * W + x];
    }

    @Test
    void pngDecodesToExactNormalisedChwValues() throws IOException {
        ImageDecoder d = new ImageDecoder(H, W, false);
        assertEquals(3 * H * W, d.sampleSize());
        float[] out = new float[7 + d.sampleSize()];
        Arrays.fill(out, 42f);
        d.decodeInto(encode(pattern(H, W), "png"), "test.png", false, out, 7);
        for (int i = 0; i < 7; i++) {
            assertEquals(42f, out[i], "wrote before the offset");
        }
        for (int y = 0; y < H; y++) {
            for (int x = 0; x < W; x++) {
                int r = 10 * y + x;
                assertEquals((r - 127.5f) / 128f, at(out, 7, 0, y, x));
                assertEquals((100 + r - 127.5f) / 128f, at(out, 7, 1, y, x));
                assertEquals((255 - r - 127.5f) / 128f, at(out, 7, 2, y, x));
            }
        }
        // spot values, by hand: pixel (y=0, x=0) is (0, 100, 255)
        assertEquals(-127.5f / 128f, at(out, 7, 0, 0, 0));
        assertEquals(-27.5f / 128f, at(out, 7, 1, 0, 0));
        assertEquals(127.5f / 128f, at(out, 7, 2, 0, 0));
    }

    @Test
    void mirrorFlipsColumns() throws IOException {
        ImageDecoder d = new ImageDecoder(H, W, false);
        byte[] png = encode(pattern(H, W), "png");
        float[] plain = d.decode(png, "a", false);
        float[] mirrored = d.decode(png, "a", true);
        for (int c = 0; c < 3; c++) {
            for (int y = 0; y < H; y++) {
                for (int x = 0; x < W; x++) {
                    assertEquals(at(plain, 0, c, y, W - 1 - x), at(mirrored, 0, c, y, x));
                }
            }
        }
        assertFalse(Arrays.equals(plain, mirrored));
    }

    @Test
    void jpegDecodesWithTheRightShape() throws IOException {
        ImageDecoder d = ImageDecoder.plsc();
        byte[] jpg = encode(pattern(112, 112), "jpg");
        float[] out = d.decode(jpg, "face.jpg", false);
        assertEquals(3 * 112 * 112, out.length);
        // lossy, but close: red at (y=3, x=7) is 37
        float red = out[3 * 112 + 7];
        assertEquals((37 - 127.5f) / 128f, red, 12f / 128f);
        for (float v : out) {
            assertTrue(v >= -127.5f / 128f && v <= 127.5f / 128f);
        }
    }

    @Test
    void wrongSizeIsAnErrorNamingTheSource() throws IOException {
        byte[] png = encode(pattern(H + 1, W), "png");
        PlscFormatException e = assertThrows(PlscFormatException.class,
                () -> new ImageDecoder(H, W, false).decode(png, "part-00003 line 17", false));
        assertTrue(e.getMessage().contains("part-00003 line 17"), e.getMessage());
        assertTrue(e.getMessage().contains("5x5") && e.getMessage().contains("5x4"), e.getMessage());
    }

    @Test
    void resizeScalesToTheExpectedSize() throws IOException {
        BufferedImage big = new BufferedImage(2 * W, 2 * H, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 2 * H; y++) {
            for (int x = 0; x < 2 * W; x++) {
                big.setRGB(x, y, 0x336699);
            }
        }
        float[] out = new ImageDecoder(H, W, true).decode(encode(big, "png"), "big", false);
        assertEquals(3 * H * W, out.length);
        assertEquals((0x33 - 127.5f) / 128f, at(out, 0, 0, H - 1, W - 1));
        assertEquals((0x66 - 127.5f) / 128f, at(out, 0, 1, 0, 0));
        assertEquals((0x99 - 127.5f) / 128f, at(out, 0, 2, 1, 2));
    }

    @Test
    void garbageIsAnErrorNamingTheSource() {
        ImageDecoder d = new ImageDecoder(H, W, false);
        byte[] garbage = "definitely not an image".getBytes();
        PlscFormatException e = assertThrows(PlscFormatException.class, () -> d.decode(garbage, "part-00001 line 2", false));
        assertTrue(e.getMessage().contains("part-00001 line 2") && e.getMessage().contains("does not decode"), e.getMessage());
        assertThrows(PlscFormatException.class, () -> d.decode(new byte[0], "empty", false));
    }

    @Test
    void truncatedPngIsAnErrorNamingTheSource() throws IOException {
        byte[] png = encode(pattern(H, W), "png");
        byte[] cut = Arrays.copyOf(png, png.length / 2);
        PlscFormatException e = assertThrows(PlscFormatException.class,
                () -> new ImageDecoder(H, W, false).decode(cut, "part-00009 line 1", false));
        assertTrue(e.getMessage().contains("part-00009 line 1"), e.getMessage());
    }

    @Test
    void recordsAreNamedByFileAndLine() {
        PlscRecord rec = new PlscRecord("part-00002", 5, new byte[] {1, 2, 3}, 0);
        PlscFormatException e = assertThrows(PlscFormatException.class,
                () -> new ImageDecoder(H, W, false).decodeInto(rec, false, new float[3 * H * W], 0));
        assertTrue(e.getMessage().startsWith("part-00002 line 5:"), e.getMessage());
    }

    @Test
    void augmentationIsDeterministicPerSample() {
        Augmentation a = Augmentation.DEFAULT;
        int mirrored = 0;
        for (int i = 0; i < 2000; i++) {
            boolean m = a.mirror(Augmentation.sampleRandom(7, 1, 0, i));
            assertEquals(m, a.mirror(Augmentation.sampleRandom(7, 1, 0, i)));
            mirrored += m ? 1 : 0;
        }
        assertTrue(mirrored > 850 && mirrored < 1150, "mirrored " + mirrored + " of 2000");
        boolean differs = false;
        for (int i = 0; i < 64 && !differs; i++) {
            differs = a.mirror(Augmentation.sampleRandom(7, 1, 0, i)) != a.mirror(Augmentation.sampleRandom(7, 2, 0, i));
        }
        assertTrue(differs, "the epoch should change the draws");
        SplittableRandom rng = new SplittableRandom(1);
        assertFalse(Augmentation.NONE.mirror(rng));
        assertTrue(new Augmentation(1.0).mirror(rng));
        assertThrows(IllegalArgumentException.class, () -> new Augmentation(1.5));
        assertThrows(IllegalArgumentException.class, () -> new Augmentation(Double.NaN));
    }

    @Test
    void batchTensorHasShapeAndValues() throws IOException {
        Native.load();
        ImageDecoder d = new ImageDecoder(H, W, false);
        int batch = 2;
        float[] data = new float[batch * d.sampleSize()];
        byte[] png = encode(pattern(H, W), "png");
        d.decodeInto(png, "a", false, data, 0);
        d.decodeInto(png, "b", true, data, d.sampleSize());
        try (PointerScope scope = new PointerScope()) {
            Tensor t = BatchTensor.of(data, batch, H, W);
            assertArrayEquals(new long[] {batch, 3, H, W}, Tensors.shape(t));
            double[] back = Tensors.toDoubleArray(t);
            for (int i = 0; i < data.length; i++) {
                assertEquals(data[i], (float) back[i]);
            }
            Tensor d64 = BatchTensor.of(data, batch, H, W, Placement.of("cpu", "float64"));
            assertEquals(0.0, Tensors.maxAbs(d64.sub(t.to(d64.scalar_type()))));
            // [1, 0, 0, 4]: the mirrored sample's red at column 4 is the plain one's at column 0
            assertEquals(data[0], t.get(1).get(0).get(0).get(W - 1).item_float());
            assertNotEquals(t.get(0).get(0).get(0).get(W - 1).item_float(), t.get(1).get(0).get(0).get(W - 1).item_float());
        }
        assertThrows(IllegalArgumentException.class, () -> BatchTensor.of(new float[5], 1, H, W));
    }
}
