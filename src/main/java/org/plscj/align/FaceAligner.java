package org.plscj.align;

import java.awt.image.BufferedImage;

/**
 * Warps a face onto the 112×112 ArcFace template from its five landmarks (left eye, right eye, nose tip, left and
 * right mouth corner, in image pixels), as insightface's {@code eval_ijbc.py} ({@code Embedding.get}) does: the
 * similarity transform from the landmarks to {@link #ARCFACE_DST} (scikit-image's {@code SimilarityTransform}),
 * then {@code cv2.warpAffine(img, M, (112, 112), borderValue=0.0)}, i.e. each output pixel is the bilinear
 * interpolation at {@code M⁻¹·(x, y)} with pixels outside the image black. OpenCV interpolates in fixed point (1/32
 * pixel), this in double precision, so values may differ by one level, never more.
 *
 * <p>Memory: the source image's pixels as one int array while aligning, plus the 112×112 output.
 */
public final class FaceAligner {
    /** The output side. */
    public static final int SIZE = 112;

    /**
     * insightface's ArcFace template for 112×112: {@code src} of {@code eval_ijbc.py}, the 96×112 template's points
     * with 8.0 added to x, computed in float32 as there (a float32 numpy array), so its values are float32's.
     */
    public static final double[] ARCFACE_DST = {
        30.2946f + 8f, 51.6963f,
        65.5318f + 8f, 51.5014f,
        48.0252f + 8f, 71.7366f,
        33.5493f + 8f, 92.3655f,
        62.7299f + 8f, 92.2041f,
    };

    private FaceAligner() {}

    /** The transform from the 10 landmark coordinates {@code x1 y1 … x5 y5} onto the template. */
    public static SimilarityTransform toTemplate(double[] landmarks) {
        if (landmarks.length != ARCFACE_DST.length) {
            throw new IllegalArgumentException("expected 5 landmarks (10 coordinates), got " + landmarks.length + " coordinates");
        }
        return SimilarityTransform.estimate(landmarks, ARCFACE_DST);
    }

    /** The aligned 112×112 face as packed RGB ({@code 0xRRGGBB}), row-major. */
    public static int[] align(BufferedImage image, SimilarityTransform toTemplate) {
        int width = image.getWidth();
        int height = image.getHeight();
        int[] src = image.getRGB(0, 0, width, height, null, 0, width);
        SimilarityTransform back = toTemplate.inverse();
        int[] out = new int[SIZE * SIZE];
        double[] rgb = new double[3];
        for (int v = 0; v < SIZE; v++) {
            for (int u = 0; u < SIZE; u++) {
                // pixel centres sit on integer coordinates, as in OpenCV and scikit-image
                double x = back.a() * u - back.b() * v + back.tx();
                double y = back.b() * u + back.a() * v + back.ty();
                out[v * SIZE + u] = bilinear(src, width, height, x, y, rgb);
            }
        }
        return out;
    }

    /** {@link #align} into a new TYPE_INT_RGB image (for writing to a file). */
    public static BufferedImage alignedImage(BufferedImage image, SimilarityTransform toTemplate) {
        BufferedImage out = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        out.setRGB(0, 0, SIZE, SIZE, align(image, toTemplate), 0, SIZE);
        return out;
    }

    // (1−fx)(1−fy)·p00 + fx(1−fy)·p10 + (1−fx)fy·p01 + fx·fy·p11, neighbours outside the image being 0
    private static int bilinear(int[] src, int width, int height, double x, double y, double[] rgb) {
        if (!(x > -1 && y > -1 && x < width && y < height)) {
            return 0;
        }
        int x0 = (int) Math.floor(x);
        int y0 = (int) Math.floor(y);
        double fx = x - x0;
        double fy = y - y0;
        rgb[0] = rgb[1] = rgb[2] = 0;
        add(src, width, height, x0, y0, (1 - fx) * (1 - fy), rgb);
        add(src, width, height, x0 + 1, y0, fx * (1 - fy), rgb);
        add(src, width, height, x0, y0 + 1, (1 - fx) * fy, rgb);
        add(src, width, height, x0 + 1, y0 + 1, fx * fy, rgb);
        return channel(rgb[0]) << 16 | channel(rgb[1]) << 8 | channel(rgb[2]);
    }

    private static void add(int[] src, int width, int height, int x, int y, double weight, double[] rgb) {
        if (x < 0 || y < 0 || x >= width || y >= height || weight == 0) {
            return;
        }
        int p = src[y * width + x];
        rgb[0] += weight * ((p >>> 16) & 0xff);
        rgb[1] += weight * ((p >>> 8) & 0xff);
        rgb[2] += weight * (p & 0xff);
    }

    // OpenCV's saturate_cast<uchar>: round to nearest, clamp to [0, 255]
    private static int channel(double value) {
        return (int) Math.max(0, Math.min(255, Math.round(value)));
    }
}
