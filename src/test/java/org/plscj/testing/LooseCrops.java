package org.plscj.testing;

import java.awt.Graphics2D;
import java.awt.RenderingHints;
import java.awt.geom.AffineTransform;
import java.awt.image.BufferedImage;
import org.plscj.align.FaceAligner;
import org.plscj.align.SimilarityTransform;

/** Faces placed into larger pictures by a known similarity, as a detector's loose crop, with their true landmarks. */
public final class LooseCrops {
    private LooseCrops() {}

    /** {@code face} (template coordinates) drawn into a black w×h canvas through {@code t}, bilinear. */
    public static BufferedImage place(BufferedImage face, SimilarityTransform t, int w, int h) {
        BufferedImage canvas = new BufferedImage(w, h, BufferedImage.TYPE_INT_RGB);
        Graphics2D g = canvas.createGraphics();
        g.setRenderingHint(RenderingHints.KEY_INTERPOLATION, RenderingHints.VALUE_INTERPOLATION_BILINEAR);
        g.drawImage(face, new AffineTransform(t.a(), t.b(), -t.b(), t.a(), t.tx(), t.ty()), null);
        g.dispose();
        return canvas;
    }

    /** The ArcFace template's five points where {@code t} puts them, {@code x1 y1 … x5 y5}. */
    public static double[] landmarks(SimilarityTransform t) {
        double[] out = new double[10];
        for (int i = 0; i < 10; i += 2) {
            double[] p = t.apply(FaceAligner.ARCFACE_DST[i], FaceAligner.ARCFACE_DST[i + 1]);
            out[i] = p[0];
            out[i + 1] = p[1];
        }
        return out;
    }
}
