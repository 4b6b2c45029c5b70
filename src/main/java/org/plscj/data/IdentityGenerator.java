package org.plscj.data;

import java.awt.BasicStroke;
import java.awt.Color;
import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.Shape;
import java.awt.geom.AffineTransform;
import java.awt.geom.Ellipse2D;
import java.awt.geom.Line2D;
import java.awt.geom.Path2D;
import java.awt.geom.Rectangle2D;
import java.awt.image.BufferedImage;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.Iterator;
import java.util.SplittableRandom;
import javax.imageio.IIOImage;
import javax.imageio.ImageIO;
import javax.imageio.ImageWriteParam;
import javax.imageio.ImageWriter;
import javax.imageio.stream.MemoryCacheImageOutputStream;

/**
 * A procedural stand-in for a face dataset (no downloads). Identity {@code k} is a deterministic picture drawn
 * from a generator seeded by (seed, k): a background colour and 4–7 shapes (ellipses, rectangles, polygons,
 * thick strokes). Sample (k, i) is a random view of it, from a generator seeded by (seed, k, i): small affine
 * jitter (rotation ±10°, scale 0.9–1.1, translation ±6 px), brightness/contrast change, Gaussian pixel noise
 * and, with probability 0.3, an occluding rectangle covering at most 20 % of the image. Images are
 * {@value #SIZE}×{@value #SIZE} RGB, encoded as JPEG at quality 0.9. Thread-safe: no shared mutable state.
 */
public final class IdentityGenerator {
    public static final int SIZE = ImageDecoder.PLSC_SIZE;
    private static final float JPEG_QUALITY = 0.9f;
    private static final double NOISE_SIGMA = 6.0;
    private static final double OCCLUSION_P = 0.3;

    private final long seed;

    public IdentityGenerator(long seed) {
        this.seed = seed;
    }

    public long seed() {
        return seed;
    }

    /** Sample {@code view} of {@code identity} as JPEG bytes. */
    public byte[] sample(long identity, int view) {
        return jpeg(render(identity, view));
    }

    /** Sample {@code view} of {@code identity} as a {@value #SIZE}×{@value #SIZE} TYPE_INT_RGB image. */
    public BufferedImage render(long identity, int view) {
        long identitySeed = mix(mix(seed) ^ mix(identity + 0x632BE59BD9B4E019L));
        SplittableRandom idRandom = new SplittableRandom(identitySeed);
        SplittableRandom vr = new SplittableRandom(mix(identitySeed ^ mix(view + 0x1D8E4E27C47D124FL)));
        BufferedImage img = new BufferedImage(SIZE, SIZE, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = img.createGraphics();
        try {
            g.setRenderingHint(RenderingHints.KEY_ANTIALIASING, RenderingHints.VALUE_ANTIALIAS_ON);
            g.setRenderingHint(RenderingHints.KEY_STROKE_CONTROL, RenderingHints.VALUE_STROKE_PURE);
            g.setColor(randomColor(idRandom));
            g.fillRect(0, 0, SIZE, SIZE);

            // the view's jitter, about the image centre
            double angle = Math.toRadians(vr.nextDouble(-10, 10));
            double scale = vr.nextDouble(0.9, 1.1);
            double tx = vr.nextDouble(-6, 6);
            double ty = vr.nextDouble(-6, 6);
            double c = SIZE / 2.0;
            AffineTransform t = new AffineTransform();
            t.translate(c + tx, c + ty);
            t.rotate(angle);
            t.scale(scale, scale);
            t.translate(-c, -c);
            g.setTransform(t);

            int shapes = 4 + idRandom.nextInt(4);
            for (int s = 0; s < shapes; s++) {
                drawShape(g, idRandom);
            }
            g.setTransform(new AffineTransform());

            if (vr.nextDouble() < OCCLUSION_P) {
                // area ≤ 20 %: w·h ≤ 0.2·SIZE²
                int w = 10 + vr.nextInt(SIZE / 2 - 10 + 1);
                int maxH = (int) Math.floor(0.2 * SIZE * SIZE / w);
                int h = 5 + vr.nextInt(Math.max(1, Math.min(SIZE, maxH) - 5 + 1));
                int x = vr.nextInt(SIZE - w + 1);
                int y = vr.nextInt(SIZE - h + 1);
                g.setColor(randomColor(vr));
                g.fillRect(x, y, w, h);
            }
        } finally {
            g.dispose();
        }

        double contrast = vr.nextDouble(0.8, 1.2);
        double brightness = vr.nextDouble(-20, 20);
        int[] px = img.getRGB(0, 0, SIZE, SIZE, null, 0, SIZE);
        for (int p = 0; p < px.length; p++) {
            int rgb = px[p];
            int r = adjust((rgb >> 16) & 0xFF, contrast, brightness, vr);
            int gr = adjust((rgb >> 8) & 0xFF, contrast, brightness, vr);
            int b = adjust(rgb & 0xFF, contrast, brightness, vr);
            px[p] = (r << 16) | (gr << 8) | b;
        }
        img.setRGB(0, 0, SIZE, SIZE, px, 0, SIZE);
        return img;
    }

    private static int adjust(int v, double contrast, double brightness, SplittableRandom r) {
        double x = (v - 128) * contrast + 128 + brightness + r.nextGaussian() * NOISE_SIGMA;
        return (int) Math.max(0, Math.min(255, Math.round(x)));
    }

    private static void drawShape(Graphics2D g, SplittableRandom r) {
        g.setColor(randomColor(r));
        double cx = r.nextDouble(15, SIZE - 15);
        double cy = r.nextDouble(15, SIZE - 15);
        double w = r.nextDouble(18, 60);
        double h = r.nextDouble(18, 60);
        int kind = r.nextInt(4);
        switch (kind) {
            case 0 -> g.fill(new Ellipse2D.Double(cx - w / 2, cy - h / 2, w, h));
            case 1 -> {
                Shape rect = new Rectangle2D.Double(-w / 2, -h / 2, w, h);
                AffineTransform at = AffineTransform.getTranslateInstance(cx, cy);
                at.rotate(r.nextDouble(0, Math.PI));
                g.fill(at.createTransformedShape(rect));
            }
            case 2 -> {
                int n = 3 + r.nextInt(4);
                Path2D.Double poly = new Path2D.Double();
                double phase = r.nextDouble(0, 2 * Math.PI);
                for (int k = 0; k < n; k++) {
                    double a = phase + 2 * Math.PI * k / n + r.nextDouble(-0.3, 0.3);
                    double rad = (0.5 + 0.5 * r.nextDouble()) * Math.max(w, h) / 2;
                    double x = cx + rad * Math.cos(a);
                    double y = cy + rad * Math.sin(a);
                    if (k == 0) {
                        poly.moveTo(x, y);
                    } else {
                        poly.lineTo(x, y);
                    }
                }
                poly.closePath();
                g.fill(poly);
            }
            default -> {
                double a = r.nextDouble(0, Math.PI);
                double len = Math.max(w, h);
                g.setStroke(new BasicStroke((float) r.nextDouble(4, 10), BasicStroke.CAP_ROUND, BasicStroke.JOIN_ROUND));
                g.draw(new Line2D.Double(cx - len / 2 * Math.cos(a), cy - len / 2 * Math.sin(a),
                        cx + len / 2 * Math.cos(a), cy + len / 2 * Math.sin(a)));
            }
        }
    }

    private static Color randomColor(SplittableRandom r) {
        return new Color(r.nextInt(256), r.nextInt(256), r.nextInt(256));
    }

    /** SplitMix64's finaliser: a strong 64-bit mix so nearby (seed, identity, view) give unrelated streams. */
    private static long mix(long z) {
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    static byte[] jpeg(BufferedImage img) {
        Iterator<ImageWriter> writers = ImageIO.getImageWritersByFormatName("jpeg");
        if (!writers.hasNext()) {
            throw new IllegalStateException("no JPEG writer in this JRE");
        }
        ImageWriter writer = writers.next();
        ByteArrayOutputStream bytes = new ByteArrayOutputStream(8192);
        try (MemoryCacheImageOutputStream out = new MemoryCacheImageOutputStream(bytes)) {
            ImageWriteParam param = writer.getDefaultWriteParam();
            param.setCompressionMode(ImageWriteParam.MODE_EXPLICIT);
            param.setCompressionQuality(JPEG_QUALITY);
            writer.setOutput(out);
            writer.write(null, new IIOImage(img, null, null), param);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } finally {
            writer.dispose();
        }
        return bytes.toByteArray();
    }
}
