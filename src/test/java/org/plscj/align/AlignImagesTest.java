package org.plscj.align;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.data.IdentityGenerator;
import org.plscj.testing.LooseCrops;

/** {@code plsc data align}: landmark file + images in, aligned 112×112 images out under the same names. */
class AlignImagesTest {
    @TempDir
    Path dir;

    private String line(String name, SimilarityTransform placed) throws Exception {
        BufferedImage crop = LooseCrops.place(new IdentityGenerator(1).render(2, 0), placed, 200, 180);
        Path file = dir.resolve("raw").resolve(name);
        Files.createDirectories(file.getParent());
        ImageIO.write(crop, "png", file.toFile());
        StringBuilder line = new StringBuilder(name);
        for (double p : LooseCrops.landmarks(placed)) {
            line.append(String.format(Locale.ROOT, " %.3f", p));
        }
        return line.toString();
    }

    @Test
    void everyListedFaceIsAlignedUnderItsRelativeName() throws Exception {
        Files.writeString(dir.resolve("faces.txt"), line("alice/1.png", new SimilarityTransform(1.3, 0.2, 20, 10)) + " 0.99\n\n"
                + line("bob/2.jpg", new SimilarityTransform(0.9, -0.3, 40, 30)) + "\n");

        AlignImages.Summary s = AlignImages.run(dir.resolve("faces.txt"), dir.resolve("raw"), dir.resolve("aligned"), false);

        assertEquals(2, s.aligned());
        BufferedImage alice = ImageIO.read(dir.resolve("aligned/alice/1.png").toFile());
        BufferedImage bob = ImageIO.read(dir.resolve("aligned/bob/2.jpg").toFile());
        assertEquals(112, alice.getWidth());
        assertEquals(112, bob.getHeight());
        // both are the same face placed differently: aligned, each is the face again, blurred by two bilinear
        // resamplings (more for bob, shrunk to 0.95 and enlarged back, and stored as JPEG); unaligned it differs by ~40
        BufferedImage face = new IdentityGenerator(1).render(2, 0);
        assertTrue(meanDifference(alice, face) < 6, "alice differs by " + meanDifference(alice, face));
        assertTrue(meanDifference(bob, face) < 12, "bob differs by " + meanDifference(bob, face));
        BufferedImage unaligned = ImageIO.read(dir.resolve("raw/bob/2.jpg").toFile()).getSubimage(0, 0, 112, 112);
        assertTrue(meanDifference(unaligned, face) > 20, "the unaligned crop differs by " + meanDifference(unaligned, face));
    }

    // mean absolute difference of the inner 96×96 pixels per channel, in levels of 255
    private static double meanDifference(BufferedImage a, BufferedImage b) {
        double sum = 0;
        for (int y = 8; y < 104; y++) {
            for (int x = 8; x < 104; x++) {
                for (int shift = 0; shift <= 16; shift += 8) {
                    sum += Math.abs(((a.getRGB(x, y) >>> shift) & 0xff) - ((b.getRGB(x, y) >>> shift) & 0xff));
                }
            }
        }
        return sum / (96 * 96 * 3);
    }

    @Test
    void aBadLineIsNamedByFileAndLineOrSkippedAndListed() throws Exception {
        String good = line("a.png", new SimilarityTransform(1, 0, 30, 30));
        Files.writeString(dir.resolve("faces.txt"), good + "\nb.png 1 2 3\n../escape.png 10 10 60 12 35 40 15 70 58 72\n");

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> AlignImages.run(dir.resolve("faces.txt"), dir.resolve("raw"), dir.resolve("out"), false));
        assertEquals(dir.resolve("faces.txt") + " line 2: expected 11 or 12 space-separated fields (name x1 y1 ... x5 y5 [score]), got 4",
                e.getMessage());

        AlignImages.Summary s = AlignImages.run(dir.resolve("faces.txt"), dir.resolve("raw"), dir.resolve("out"), true);
        assertEquals(1, s.aligned());
        assertEquals(2, s.skipped().size());
        assertTrue(s.skipped().get(1).contains("line 3: image name '../escape.png' leaves the directory"), s.skipped().get(1));
    }
}
