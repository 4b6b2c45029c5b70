package org.plscj.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.data.IdentityGenerator;
import org.plscj.data.ImageDecoder;
import org.plscj.data.PlscFormatException;
import org.plscj.tensor.Native;

class VerificationEvaluatorTest {
    private static final int PAIRS = 20;
    private static VerificationSet set;

    @TempDir
    Path dir;

    @BeforeAll
    static void generate() {
        Native.load();
        set = HeldOutPairs.generate(new IdentityGenerator(11), 10_000, 6, PAIRS, 5);
    }

    @Test
    void theReportIsVerificationMetricsOnTheFlipSumEmbeddingsOfTheDecodedImages() throws Exception {
        Path file = dir.resolve("held_out.bin");
        VerificationBinWriter.write(file, set);
        Embedder embedder = new Embedder(new LinearBackbone(8), 16);

        VerificationReport report = new VerificationEvaluator(embedder).evaluate(file);

        ImageDecoder decoder = ImageDecoder.plsc();
        Embedder.Embeddings expected = embedder.embed(set.images().size(),
                (index, out, offset) -> decoder.decodeInto(set.images().get(index), "image " + index, false, out, offset));
        VerificationMetrics.Result metrics = VerificationMetrics.evaluate(expected.embeddings(), set.issame());
        assertEquals("held_out", report.target());
        assertEquals(metrics.accuracy(), report.accuracy());
        assertEquals(metrics.accuracyStd(), report.accuracyStd());
        assertEquals(metrics.val(), report.val());
        assertEquals(metrics.valStd(), report.valStd());
        assertEquals(metrics.far(), report.far());
        assertEquals(expected.xnorm(), report.xnorm());
        assertEquals(mean(metrics.bestThresholds()), report.bestThreshold());
        assertArrayEquals(metrics.tpr(), report.roc().tpr());
        assertArrayEquals(metrics.fpr(), report.roc().fpr());
        assertArrayEquals(VerificationMetrics.rocThresholds(), report.roc().thresholds());
        assertTrue(report.accuracy() >= 0 && report.accuracy() <= 1, report.summary());
        assertTrue(report.summary().startsWith("[held_out] XNorm "), report.summary());
    }

    @Test
    void anUndecodableImageIsNamedByItsFileAndIndex() {
        List<byte[]> images = new ArrayList<>(set.images());
        images.set(13, new byte[] {1, 2, 3, 4});
        VerificationSet broken = new VerificationSet(images, set.issame());
        Path file = dir.resolve("broken.bin");
        VerificationEvaluator evaluator = new VerificationEvaluator(new Embedder(new LinearBackbone(8), 16));

        PlscFormatException e = assertThrows(PlscFormatException.class, () -> evaluator.evaluate("broken", file, broken));
        assertTrue(e.getMessage().startsWith(file + " image 13: the image does not decode"), e.getMessage());
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }
}
