package org.plscj.eval.ijb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** The ROC and TAR@FAR against the numpy port of scikit-learn's roc_curve and eval_ijbc.py's table. */
class SklearnRocTest {

    private static boolean[] labels(JsonNode array) {
        boolean[] out = new boolean[array.size()];
        for (int i = 0; i < out.length; i++) {
            out[i] = array.get(i).asInt() == 1;
        }
        return out;
    }

    private static void assertSameCurve(JsonNode expected, SklearnRoc roc) {
        // the same counts divided by the same totals: bit-equal
        assertArrayEquals(IjbFixture.doubles(expected.get("fpr")), roc.fpr(), 0.0, "fpr");
        assertArrayEquals(IjbFixture.doubles(expected.get("tpr")), roc.tpr(), 0.0, "tpr");
        assertArrayEquals(IjbFixture.doubles(expected.get("thresholds")), roc.thresholds(), 0.0, "thresholds");
        assertArrayEquals(IjbFixture.doubles(expected.get("tar")), roc.tarAtFarTargets(), 0.0, "TAR@FAR");
        // numpy sums the trapezoids pairwise, we left to right: a few ulps of an area <= 1
        assertEquals(expected.get("auc").doubleValue(), roc.auc(), 1e-12, "AUC");
    }

    @Test
    void tiedScoresGiveScikitLearnsPointsWithIntermediateOnesDropped() {
        JsonNode tied = IjbFixture.ROOT.get("tied");

        SklearnRoc roc = SklearnRoc.of(IjbFixture.doubles(tied.get("scores")), labels(tied.get("labels")));

        assertSameCurve(tied, roc);
    }

    @Test
    void ofPointsAtTheSameFprTheTableTakesTheLargestTpr() {
        JsonNode tied = IjbFixture.ROOT.get("tied");
        SklearnRoc roc = SklearnRoc.of(IjbFixture.doubles(tied.get("scores")), labels(tied.get("labels")));
        double largestAtZero = 0;
        for (int k = 0; k < roc.fpr().length; k++) {
            largestAtZero = roc.fpr()[k] == 0 ? Math.max(largestAtZero, roc.tpr()[k]) : largestAtZero;
        }

        assertEquals(largestAtZero, roc.tarAt(1e-6), 0.0);
        assertEquals(tied.get("table").get(0).asText(), String.format(Locale.ROOT, "%.2f", roc.tarAt(1e-6) * 100));
    }

    @Test
    void everyFeatureModeOfTheFixtureGivesItsCurveFromItsScores() throws Exception {
        IjbMeta meta = IjbMeta.read(IjbFixture.dir(), "IJBC", false);
        for (JsonNode mode : IjbFixture.ROOT.get("modes")) {
            SklearnRoc roc = SklearnRoc.of(IjbFixture.doubles(mode.get("scores")), meta.positive());

            assertSameCurve(mode, roc);
        }
    }

    @Test
    void unscoredPairsAreLeftOut() {
        SklearnRoc withNaN = SklearnRoc.of(new double[] {0.9, Double.NaN, 0.2, 0.5}, new boolean[] {true, true, false, false});
        SklearnRoc without = SklearnRoc.of(new double[] {0.9, 0.2, 0.5}, new boolean[] {true, false, false});

        assertArrayEquals(without.fpr(), withNaN.fpr(), 0.0);
        assertArrayEquals(without.tpr(), withNaN.tpr(), 0.0);
    }

    @Test
    void pairsOfOneLabelOnlyHaveNoRoc() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> SklearnRoc.of(new double[] {0.9, 0.2}, new boolean[] {true, true}));
        assertEquals("a ROC needs scored pairs of both labels, got 2 positive and 0 negative ones", e.getMessage());
    }
}
