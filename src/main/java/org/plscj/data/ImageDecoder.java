package org.plscj.data;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import javax.imageio.ImageIO;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * Decodes one encoded image (JPEG, PNG, whatever {@code javax.imageio} reads) into PLSC's input
 * layout: 3 × H × W floats, channel-major R, G, B, each value normalised as (x − 127.5)/128,
 * optionally mirrored horizontally. Pixels go through {@link BufferedImage#getRGB} (sRGB, 8 bits
 * per channel; grey images are expanded to three equal channels, alpha is dropped).
 *
 * <p>An image of another size than H × W is an error unless {@code resize} is on; then it is
 * scaled to H × W with Java2D's bilinear interpolation ({@link RenderingHints#VALUE_INTERPOLATION_BILINEAR},
 * no anti-aliasing prefilter when shrinking, so the result is close to, not bit-equal with,
 * OpenCV's {@code INTER_LINEAR}).
 *
 * <p>Instances are immutable and thread-safe; each call allocates its own pixel buffer.
 */
public final class ImageDecoder {
    /** PLSC's input side, 112 × 112. */
    public static final int PLSC_SIZE = 112;
    public static final int CHANNELS = 3;

    private final int height;
    private final int width;
    private final boolean resize;

    public ImageDecoder(int height, int width, boolean resize) {
        if (height <= 0 || width <= 0) {
            throw new IllegalArgumentException("image size must be positive, got " + height + "x" + width);
        }
        this.height = height;
        this.width = width;
        this.resize = resize;
    }

    /** PLSC's default: 112 × 112, other sizes rejected. */
    public static ImageDecoder plsc() {
        return new ImageDecoder(PLSC_SIZE, PLSC_SIZE, false);
    }

    public int height() {
        return height;
    }

    public int width() {
        return width;
    }

    public boolean resize() {
        return resize;
    }

    /** Floats one decoded sample occupies: 3·H·W. */
    public int sampleSize() {
        return CHANNELS * height * width;
    }

    /** Normalises an 8-bit value as PLSC does; exact in float (x − 127.5 and /128 are both exact). */
    public static float normalise(int x) {
        return (x - 127.5f) / 128f;
    }

    /**
     * Decodes {@code encoded} and writes 3·H·W floats into {@code out} from {@code offset}, CHW.
     *
     * @param source names the image in messages, e.g. {@code "part-00003 line 17"}
     * @throws PlscFormatException naming {@code source} when the bytes do not decode or the size is wrong
     */
    public void decodeInto(byte[] encoded, String source, boolean mirror, float[] out, int offset) {
        if (offset < 0 || offset > out.length - sampleSize()) {
            throw new IndexOutOfBoundsException("a sample of " + sampleSize() + " floats at offset " + offset
                    + " does not fit an array of " + out.length);
        }
        BufferedImage image = read(encoded, source);
        if (image.getWidth() != width || image.getHeight() != height) {
            if (!resize) {
                throw new PlscFormatException(source + ": the image is " + image.getWidth() + "x" + image.getHeight()
                        + " (width x height), expected " + width + "x" + height);
            }
            image = scale(image, width, height);
        }
        int[] argb = image.getRGB(0, 0, width, height, null, 0, width);
        int plane = height * width;
        int r = offset;
        int g = offset + plane;
        int b = offset + 2 * plane;
        for (int y = 0; y < height; y++) {
            int row = y * width;
            for (int x = 0; x < width; x++) {
                int p = argb[row + (mirror ? width - 1 - x : x)];
                out[r++] = normalise((p >>> 16) & 0xff);
                out[g++] = normalise((p >>> 8) & 0xff);
                out[b++] = normalise(p & 0xff);
            }
        }
    }

    /** Decodes into a new array of {@link #sampleSize()} floats. */
    public float[] decode(byte[] encoded, String source, boolean mirror) {
        float[] out = new float[sampleSize()];
        decodeInto(encoded, source, mirror, out, 0);
        return out;
    }

    /** Decodes a record, naming it by its file and line in messages. */
    public void decodeInto(PlscRecord record, boolean mirror, float[] out, int offset) {
        decodeInto(record.image(), record.file() + " line " + record.line(), mirror, out, offset);
    }

    private static BufferedImage read(byte[] encoded, String source) {
        if (encoded == null || encoded.length == 0) {
            throw new PlscFormatException(source + ": the image is empty (0 bytes)");
        }
        BufferedImage image;
        // why: a memory-cached stream; ImageIO.read(InputStream) may spill to a temp file per image
        ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded));
        try {
            image = ImageIO.read(in);
        } catch (IOException | RuntimeException e) {
            throw new PlscFormatException(source + ": the image does not decode (" + e.getClass().getSimpleName()
                    + (e.getMessage() == null ? "" : ": " + e.getMessage()) + ")");
        } finally {
            try {
                in.close();
            } catch (IOException ignored) {
                // already closed by ImageIO.read, or nothing to release for a memory stream
            }
        }
        if (image == null) {
            throw new PlscFormatException(source + ": the image does not decode (no image reader recognises its "
                    + encoded.length + " bytes" + magic(encoded) + ")");
        }
        return image;
    }

    private static String magic(byte[] b) {
        StringBuilder s = new StringBuilder(", starting ");
        for (int i = 0; i < Math.min(4, b.length); i++) {
            s.append(String.format("%02x", b[i] & 0xff));
        }
        return s.toString();
    }

    private static BufferedImage scale(BufferedImage src, int w, int h) {
        BufferedImage dst = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = dst.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
            g.drawImage(src, 0, 0, w, h, null);
        } finally {
            g.dispose();
        }
        return dst;
    }
}
