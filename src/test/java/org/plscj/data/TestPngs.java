package org.plscj.data;

import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.util.function.IntBinaryOperator;
import javax.imageio.ImageIO;

/** Small PNGs for the data tests: lossless, so a decoded pixel tells which record it came from. */
final class TestPngs {
    private TestPngs() {}

    /** A {@code side}×{@code side} PNG whose pixel (x, y) is the RGB value {@code rgb(x, y)}. */
    static byte[] png(int side, IntBinaryOperator rgb) throws IOException {
        BufferedImage img = new BufferedImage(side, side, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < side; y++) {
            for (int x = 0; x < side; x++) {
                img.setRGB(x, y, rgb.applyAsInt(x, y));
            }
        }
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (!ImageIO.write(img, "png", out)) {
            throw new IllegalStateException("no PNG writer in this JRE");
        }
        return out.toByteArray();
    }
}
