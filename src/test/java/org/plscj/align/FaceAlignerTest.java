package org.plscj.align;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import org.junit.jupiter.api.Test;
import org.plscj.data.IdentityGenerator;
import org.plscj.testing.LooseCrops;

/** Warping onto the template recovers a face that was placed, rotated and scaled, in a larger picture. */
class FaceAlignerTest {

    @Test
    void aFacePlacedByASimilarityIsWarpedBackOntoTheTemplate() {
        BufferedImage face = new IdentityGenerator(3).render(7, 0);
        // 25° rotation, 1.6 times larger, moved into a 260×240 crop
        SimilarityTransform placed = new SimilarityTransform(1.6 * Math.cos(0.44), 1.6 * Math.sin(0.44), 90, 30);
        BufferedImage crop = LooseCrops.place(face, placed, 260, 240);

        int[] aligned = FaceAligner.align(crop, FaceAligner.toTemplate(LooseCrops.landmarks(placed)));

        // two resamplings (up then down) blur edges: compare the inner 96×96 by mean absolute difference per channel
        double diff = 0;
        int count = 0;
        for (int y = 8; y < 104; y++) {
            for (int x = 8; x < 104; x++) {
                int p = aligned[y * 112 + x];
                int q = face.getRGB(x, y);
                for (int shift = 0; shift <= 16; shift += 8) {
                    diff += Math.abs(((p >>> shift) & 0xff) - ((q >>> shift) & 0xff));
                    count++;
                }
            }
        }
        double mean = diff / count;
        assertTrue(mean < 6, "mean absolute difference " + mean + " of 255 (a misplaced face differs by tens)");
    }

    @Test
    void pixelsMappedFromOutsideTheImageAreBlack() {
        BufferedImage white = new BufferedImage(20, 20, BufferedImage.TYPE_INT_RGB);
        for (int y = 0; y < 20; y++) {
            for (int x = 0; x < 20; x++) {
                white.setRGB(x, y, 0xffffff);
            }
        }
        // identity transform: output (u, v) samples input (u, v); the input covers only the top-left 20×20
        int[] out = FaceAligner.align(white, new SimilarityTransform(1, 0, 0, 0));

        assertEquals(0xffffff, out[5 * 112 + 5]);
        assertEquals(0, out[60 * 112 + 60]);
    }
}
