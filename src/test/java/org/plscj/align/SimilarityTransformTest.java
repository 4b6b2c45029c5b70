package org.plscj.align;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

/** The 5-point similarity transform: closed form against known matrices and numpy's least squares. */
class SimilarityTransformTest {

    private static double[] mapped(SimilarityTransform t, double[] points) {
        double[] out = new double[points.length];
        for (int i = 0; i < points.length; i += 2) {
            double[] p = t.apply(points[i], points[i + 1]);
            out[i] = p[0];
            out[i + 1] = p[1];
        }
        return out;
    }

    @Test
    void exactlyTransformedLandmarksGiveBackTheTransform() {
        // rotation 30°, scale 2.5, translation (40, -7): a = 2.5 cos 30°, b = 2.5 sin 30°
        SimilarityTransform known = new SimilarityTransform(2.5 * Math.cos(Math.PI / 6), 2.5 * Math.sin(Math.PI / 6), 40, -7);
        double[] landmarks = {10, 20, 60, 18, 35, 45, 15, 70, 58, 72};

        SimilarityTransform estimated = SimilarityTransform.estimate(landmarks, mapped(known, landmarks));

        // the points are in the tens and the scale ~2.5: double rounding leaves ~1e-13 of that
        assertArrayEquals(known.matrix(), estimated.matrix(), 1e-12);
    }

    @Test
    void theInverseUndoesTheTransform() {
        SimilarityTransform t = new SimilarityTransform(0.3, -0.4, 12, 5);
        double[] p = t.inverse().apply(t.apply(7, -3)[0], t.apply(7, -3)[1]);

        assertArrayEquals(new double[] {7, -3}, p, 1e-12);
    }

    @Test
    void noisyLandmarksGiveNumpysLeastSquaresSimilarity() throws IOException {
        JsonNode fixture;
        try (InputStream in = getClass().getResourceAsStream("/fixtures/align/alignment_fixture.json")) {
            fixture = new ObjectMapper().readTree(in);
        }
        double[] template = new ObjectMapper().convertValue(fixture.get("template"), double[].class);
        assertArrayEquals(template, FaceAligner.ARCFACE_DST, 0.0, "the template in float32, as eval_ijbc.py holds it");
        for (JsonNode c : fixture.get("cases")) {
            double[] landmarks = new ObjectMapper().convertValue(c.get("landmarks"), double[].class);
            double[] expected = new ObjectMapper().convertValue(c.get("matrix"), double[].class);

            double[] matrix = FaceAligner.toTemplate(landmarks).matrix();

            // translations are up to ~100 px and the solvers differ (closed form vs. QR): agree to 1e-9 of that scale
            for (int k = 0; k < 6; k++) {
                assertEquals(expected[k], matrix[k], 1e-9 * Math.max(1, Math.abs(expected[k])), "matrix entry " + k);
            }
        }
    }

    @Test
    void collinearLandmarksAreRefused() {
        double[] onALine = {0, 0, 10, 10, 20, 20, 30, 30, 40, 40};

        DegenerateLandmarksException e = assertThrows(DegenerateLandmarksException.class, () -> FaceAligner.toTemplate(onALine));
        assertTrue(e.getMessage().contains("collinear"), e.getMessage());
    }

    @Test
    void oneRepeatedPointIsRefused() {
        double[] same = {5, 5, 5, 5, 5, 5, 5, 5, 5, 5};

        DegenerateLandmarksException e = assertThrows(DegenerateLandmarksException.class, () -> FaceAligner.toTemplate(same));
        assertTrue(e.getMessage().contains("same point"), e.getMessage());
    }

    @Test
    void aNaNCoordinateIsRefusedNamingTheLandmark() {
        double[] nan = {10, 20, 60, 18, 35, Double.NaN, 15, 70, 58, 72};

        DegenerateLandmarksException e = assertThrows(DegenerateLandmarksException.class, () -> FaceAligner.toTemplate(nan));
        assertTrue(e.getMessage().contains("landmark 3 is not a finite point"), e.getMessage());
    }
}
