package org.plscj.serve;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Iterator;
import javax.imageio.ImageIO;
import javax.imageio.ImageReader;
import javax.imageio.stream.ImageInputStream;
import javax.imageio.stream.MemoryCacheImageInputStream;

/**
 * The width and height an encoded image declares, read by its ImageIO reader from the header
 * without decoding pixels — so a few-KB file declaring 25,000 × 25,000 is refused before it
 * becomes a 2 GB raster.
 */
record ImageHeader(int width, int height) {
    long pixels() {
        return (long) width * height;
    }

    /** The declared size, or null when no reader recognises the bytes or the header is unreadable (decoding then reports why). */
    static ImageHeader read(byte[] encoded) {
        try (ImageInputStream in = new MemoryCacheImageInputStream(new ByteArrayInputStream(encoded))) {
            Iterator<ImageReader> readers = ImageIO.getImageReaders(in);
            if (!readers.hasNext()) {
                return null;
            }
            ImageReader reader = readers.next();
            try {
                reader.setInput(in, true, true);
                return new ImageHeader(reader.getWidth(0), reader.getHeight(0));
            } finally {
                reader.dispose();
            }
        } catch (IOException | RuntimeException e) {
            return null;
        }
    }
}
