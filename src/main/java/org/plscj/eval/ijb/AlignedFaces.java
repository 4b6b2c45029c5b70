package org.plscj.eval.ijb;

import java.awt.image.BufferedImage;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import javax.imageio.ImageIO;
import org.plscj.align.FaceAligner;
import org.plscj.data.ImageDecoder;

/**
 * The model input of an IJB image, as eval_ijbc.py's {@code Embedding.get} prepares it: the loose crop aligned from
 * its five landmarks onto the ArcFace template ({@link FaceAligner}), as RGB CHW floats normalised like our
 * training data ({@link ImageDecoder#normalise}), and its horizontal mirror.
 */
final class AlignedFaces {
    /** Floats of one 3×112×112 input. */
    static final int SAMPLE = ImageDecoder.CHANNELS * FaceAligner.SIZE * FaceAligner.SIZE;

    /** Why an image could not be embedded; the code travels with the features between ranks. */
    enum Problem {
        NONE, META, ABSENT, UNDECODABLE;

        static Problem of(float code) {
            return values()[(int) code];
        }
    }

    /** An image that cannot be read: the problem and a message naming the file and its landmark line. */
    static final class BadImage extends IllegalArgumentException {
        final Problem problem;

        BadImage(Problem problem, String message) {
            super(message);
            this.problem = problem;
        }
    }

    private final IjbMeta meta;

    AlignedFaces(IjbMeta meta) {
        this.meta = meta;
    }

    /**
     * Writes image {@code image} aligned at {@code offset} of {@code out} and, when {@code mirrorOffset >= 0}, its
     * mirror there.
     *
     * @throws BadImage when the file is absent or does not decode
     */
    void alignInto(int image, float[] out, int offset, int mirrorOffset) {
        int[] rgb = FaceAligner.align(read(image), meta.transform(image));
        int plane = FaceAligner.SIZE * FaceAligner.SIZE;
        for (int y = 0; y < FaceAligner.SIZE; y++) {
            for (int x = 0; x < FaceAligner.SIZE; x++) {
                int p = rgb[y * FaceAligner.SIZE + x];
                put(out, offset, plane, y * FaceAligner.SIZE + x, p);
                if (mirrorOffset >= 0) {
                    put(out, mirrorOffset, plane, y * FaceAligner.SIZE + FaceAligner.SIZE - 1 - x, p);
                }
            }
        }
    }

    private static void put(float[] out, int offset, int plane, int pixel, int p) {
        out[offset + pixel] = ImageDecoder.normalise((p >>> 16) & 0xff);
        out[offset + plane + pixel] = ImageDecoder.normalise((p >>> 8) & 0xff);
        out[offset + 2 * plane + pixel] = ImageDecoder.normalise(p & 0xff);
    }

    private BufferedImage read(int image) {
        String where = " (image of " + meta.landmarkLine(image) + ")";
        byte[] bytes;
        try {
            bytes = Files.readAllBytes(meta.imageFile(image));
        } catch (NoSuchFileException e) {
            throw new BadImage(Problem.ABSENT, meta.imageFile(image) + where + ": the image is absent");
        } catch (IOException e) {
            throw new BadImage(Problem.UNDECODABLE, meta.imageFile(image) + where + ": cannot be read (" + e.getMessage() + ")");
        }
        try {
            BufferedImage decoded = ImageIO.read(new ByteArrayInputStream(bytes));
            if (decoded != null) {
                return decoded;
            }
        } catch (IOException | RuntimeException e) {
            // reported below, like a format ImageIO does not know
        }
        throw new BadImage(Problem.UNDECODABLE, meta.imageFile(image) + where + ": the image does not decode (not a JPEG, PNG, BMP or GIF"
                + " ImageIO can read)");
    }
}
