package org.plscj.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.awt.image.BufferedImage;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Stream;
import javax.imageio.ImageIO;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class RocCurveTest {
    @TempDir
    Path dir;

    private static RocCurve curve() {
        double[] thresholds = VerificationMetrics.rocThresholds();
        double[] tpr = new double[thresholds.length];
        double[] fpr = new double[thresholds.length];
        for (int t = 0; t < thresholds.length; t++) {
            tpr[t] = Math.min(1, thresholds[t]);
            fpr[t] = Math.min(1, thresholds[t] * thresholds[t] / 4);
        }
        return new RocCurve("lfw", thresholds, tpr, fpr);
    }

    @Test
    void writesAReadablePngAndLeavesNoTemporaryFile() throws Exception {
        Path png = dir.resolve("roc_lfw.png");
        curve().writePng(png);
        BufferedImage image = ImageIO.read(png.toFile());
        assertNotNull(image, "not a readable image");
        assertEquals(640, image.getWidth());
        assertEquals(480, image.getHeight());
        try (Stream<Path> files = Files.list(dir)) {
            assertEquals(List.of(png), files.toList());
        }
    }

    @Test
    void writesOneCsvRowPerThresholdUnderAHeader() throws Exception {
        Path csv = dir.resolve("roc_lfw.csv");
        RocCurve roc = curve();
        roc.writeCsv(csv);
        List<String> lines = Files.readAllLines(csv);
        assertEquals("threshold,tpr,fpr", lines.get(0));
        assertEquals(roc.thresholds().length + 1, lines.size());
        String[] row = lines.get(51).split(",");
        assertEquals(roc.thresholds()[50], Double.parseDouble(row[0]));
        assertEquals(roc.tpr()[50], Double.parseDouble(row[1]));
        assertEquals(roc.fpr()[50], Double.parseDouble(row[2]));
    }

    @Test
    void theTprAtAFarIsTheLargestTprOfThePointsAtOrBelowIt() {
        RocCurve roc = new RocCurve("t", new double[] {3, 2, 1, 0}, new double[] {0.2, 0.5, 0.6, 1}, new double[] {0, 0.001, 0.01, 1});

        assertEquals(0.2, roc.tprAtFpr(1e-4));
        assertEquals(0.5, roc.tprAtFpr(1e-3));
        assertEquals(0.6, roc.tprAtFpr(0.5));
    }

    @Test
    void aLogScalePlotWithMarkedPointsRendersEvenWithFprZeroPoints() throws Exception {
        Path png = dir.resolve("ijbc-roc.png");
        RocCurve roc = new RocCurve("ijbc", new double[] {Double.POSITIVE_INFINITY, 0.9, 0.5, 0.1}, new double[] {0, 0.7, 0.9, 1},
                new double[] {0, 0, 1e-4, 1});

        roc.writePng(png, RocCurve.MARKED_FARS, new double[] {0.7, 0.7, 0.9, 0.9, 0.9, 0.9});

        assertEquals(640, ImageIO.read(png.toFile()).getWidth());
    }

    @Test
    void rejectsArraysOfDifferentLengths() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> new RocCurve("lfw", new double[3], new double[3], new double[2]));
        assertTrue(e.getMessage().contains("3, 3, 2"), e.getMessage());
    }
}
