package org.plscj.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;

class VerificationMetricsTest {
    private static final double TOL = 1e-12;

    /** Cases from make_verification_fixture.py, a standard-library port of insightface's code. */
    @TestFactory
    List<DynamicTest> matchesThePythonPortOnEveryFixtureCase() throws IOException {
        JsonNode root;
        try (InputStream in = getClass().getResourceAsStream("/fixtures/eval/verification_fixture.json")) {
            root = new ObjectMapper().readTree(in);
        }
        List<DynamicTest> tests = new ArrayList<>();
        for (JsonNode c : root.get("cases")) {
            tests.add(DynamicTest.dynamicTest(c.get("name").asText(), () -> assertMatches(c)));
        }
        return tests;
    }

    private static void assertMatches(JsonNode c) {
        JsonNode rows = c.get("embeddings");
        double[][] emb = new double[rows.size()][];
        for (int r = 0; r < emb.length; r++) {
            emb[r] = doubles(rows.get(r));
        }
        boolean[] same = new boolean[c.get("issame").size()];
        for (int k = 0; k < same.length; k++) {
            same[k] = c.get("issame").get(k).asBoolean();
        }
        JsonNode e = c.get("expected");
        VerificationMetrics.Result r = VerificationMetrics.evaluate(emb, same);
        assertArrayEquals(doubles(e.get("foldAccuracies")), r.foldAccuracies(), TOL, "fold accuracies");
        assertArrayEquals(doubles(e.get("bestThresholds")), r.bestThresholds(), TOL, "best thresholds");
        assertEquals(e.get("accuracy").asDouble(), r.accuracy(), TOL, "accuracy");
        assertEquals(e.get("accuracyStd").asDouble(), r.accuracyStd(), TOL, "accuracy std");
        assertArrayEquals(doubles(e.get("tpr")), r.tpr(), TOL, "tpr");
        assertArrayEquals(doubles(e.get("fpr")), r.fpr(), TOL, "fpr");
        assertEquals(e.get("val").asDouble(), r.val(), TOL, "val");
        assertEquals(e.get("valStd").asDouble(), r.valStd(), TOL, "val std");
        assertEquals(e.get("far").asDouble(), r.far(), TOL, "far");
    }

    private static double[] doubles(JsonNode array) {
        double[] out = new double[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asDouble();
        }
        return out;
    }

    @Test
    void perfectlySeparablePairsScoreAccuracyOneOnEveryFold() {
        int pairs = 40;
        double[][] emb = new double[2 * pairs][];
        boolean[] same = new boolean[pairs];
        for (int k = 0; k < pairs; k++) {
            same[k] = k % 2 == 0;
            emb[2 * k] = new double[] {1, 0};
            emb[2 * k + 1] = same[k] ? new double[] {1, 0} : new double[] {-1, 0}; // dist 0 or 4
        }
        VerificationMetrics.Result r = VerificationMetrics.evaluate(emb, same);
        assertEquals(1.0, r.accuracy());
        assertEquals(0.0, r.accuracyStd());
        // 0 predicts nothing (dist 0 < 0 is false), 0.01 is the first threshold that separates
        double[] first = new double[10];
        java.util.Arrays.fill(first, 0.01);
        assertArrayEquals(first, r.bestThresholds(), 0.0);
        assertEquals(0.0, r.tpr()[0]); // dist 0 < 0 is false
        assertEquals(1.0, r.tpr()[1]);
        assertEquals(0.0, r.fpr()[399]); // 3.99 < 4
    }

    @Test
    void kFoldGivesTheFirstNModTenFoldsOneExtraSampleContiguously() {
        KFold.Range[] f = KFold.testRanges(25, 10);
        int[] sizes = new int[10];
        for (int i = 0; i < 10; i++) {
            sizes[i] = f[i].size();
            assertEquals(i == 0 ? 0 : f[i - 1].end(), f[i].start());
        }
        assertArrayEquals(new int[] {3, 3, 3, 3, 3, 2, 2, 2, 2, 2}, sizes);
        assertEquals(25, f[9].end());
    }

    @Test
    void arangeFillsLikeNumpyStartPlusIndexTimesStep() {
        double[] t = VerificationMetrics.arange(400, 0.01);
        assertEquals(400, t.length);
        assertEquals(0.35000000000000003, t[35]); // 35 * 0.01, one ulp above the double 0.35
        assertEquals(3.99, t[399]);
    }

    @Test
    void slinearInterpolatesBetweenNeighboursAndTakesTheLastCopyOfADuplicatedX() {
        double[] y = {10, 20, 30, 40, 50};
        assertEquals(25.0, VerificationMetrics.slinear(new double[] {0, 1, 2, 3, 4}, y, 1.5), 1e-15);
        // x = 0 0 1 1 2: xNew = 1 lands on the last 1 (index 3), xNew = 0.5 between index 1 and 2
        double[] dup = {0, 0, 1, 1, 2};
        assertEquals(40.0, VerificationMetrics.slinear(dup, y, 1.0), 1e-15);
        assertEquals(25.0, VerificationMetrics.slinear(dup, y, 0.5), 1e-15);
        // unsorted x is sorted stably first, y follows
        assertEquals(25.0, VerificationMetrics.slinear(new double[] {1, 0, 2}, new double[] {30, 20, 40}, 0.5), 1e-15);
    }

    @Test
    void xnormIsTheMeanRowNorm() {
        assertEquals(3.5, VerificationMetrics.xnorm(new double[][] {{3, 4}, {0, 2}}), 0.0);
    }

    @Test
    void rejectsMalformedInputNamingTheProblem() {
        double[][] twenty = new double[20][];
        for (int i = 0; i < 20; i++) {
            twenty[i] = new double[] {1, 0};
        }
        assertMessage("even row count", () -> VerificationMetrics.evaluate(new double[21][2], new boolean[10]));
        assertMessage("issame has 9 flags", () -> VerificationMetrics.evaluate(twenty, new boolean[9]));
        assertMessage("at least 10 pairs", () -> VerificationMetrics.evaluate(new double[18][2], new boolean[9]));
        double[][] ragged = twenty.clone();
        ragged[7] = new double[] {1, 0, 0};
        assertMessage("row 7 has 3 values", () -> VerificationMetrics.evaluate(ragged, new boolean[10]));
        double[][] nan = twenty.clone();
        nan[5] = new double[] {Double.NaN, 0};
        assertMessage("row 5 holds a non-finite value NaN", () -> VerificationMetrics.evaluate(nan, new boolean[10]));
    }

    private static void assertMessage(String fragment, org.junit.jupiter.api.function.Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), () -> "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }
}
