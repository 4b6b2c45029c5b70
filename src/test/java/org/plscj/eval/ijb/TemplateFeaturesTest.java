package org.plscj.eval.ijb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Locale;
import org.junit.jupiter.api.Test;

/** Media and template pooling and pair scores against the numpy port of eval_ijbc.py, in its four feature modes. */
class TemplateFeaturesTest {
    // Scores are cosines in [-1, 1]; the script weights in float32 and pools in float32/64, we pool in double:
    // the difference is float32 rounding (6e-8) times a few accumulation steps.
    private static final double SCORE_TOLERANCE = 1e-6;

    @Test
    void templatesAndPairScoresMatchEvalIjbcInEveryFeatureMode() throws Exception {
        IjbMeta meta = IjbMeta.read(IjbFixture.dir(), "IJBC", false);
        for (JsonNode mode : IjbFixture.ROOT.get("modes")) {
            FeatureModes modes = IjbFixture.modes(mode);

            TemplateFeatures templates = TemplateFeatures.pool(IjbFixture.pooledInput(modes.flip()), meta.faceness(), meta.templates(),
                    meta.medias(), modes);
            double[] scores = templates.score(meta.first(), meta.second());

            assertArrayEquals(IjbFixture.doubles(mode.get("templates")), java.util.Arrays.stream(templates.ids()).asDoubleStream().toArray(),
                    0.0, modes + ": templates, ascending");
            JsonNode feats = mode.get("template_feats");
            for (int t = 0; t < templates.ids().length; t++) {
                assertArrayEquals(IjbFixture.doubles(feats.get(t)), templates.features()[t], SCORE_TOLERANCE, modes + " template " + t);
            }
            assertArrayEquals(IjbFixture.doubles(mode.get("scores")), scores, SCORE_TOLERANCE, modes + ": pair scores");
            double[] tar = SklearnRoc.of(scores, meta.positive()).tarAtFarTargets();
            for (int i = 0; i < tar.length; i++) {
                assertEquals(mode.get("table").get(i).asText(), String.format(Locale.ROOT, "%.2f", tar[i] * 100),
                        modes + ": the table's entry at FAR " + SklearnRoc.FAR_TARGETS[i]);
            }
        }
    }

    @Test
    void theFeatureModesChangeTheScores() throws Exception {
        JsonNode modes = IjbFixture.ROOT.get("modes");
        double[] defaults = IjbFixture.doubles(modes.get(0).get("scores"));
        for (int m = 1; m < modes.size(); m++) {
            double[] other = IjbFixture.doubles(modes.get(m).get("scores"));
            double largest = 0;
            for (int p = 0; p < other.length; p++) {
                largest = Math.max(largest, Math.abs(other[p] - defaults[p]));
            }
            assertTrue(largest > 100 * SCORE_TOLERANCE, IjbFixture.modes(modes.get(m)) + " differs from F1N1D1 by " + largest);
        }
    }

    @Test
    void aTemplateWithoutEmbeddedImagesLeavesItsPairsUnscored() {
        float[][] images = {{1, 0}, null, {0, 1}};
        int[] templates = {5, 9, 7};

        TemplateFeatures pooled = TemplateFeatures.pool(images, new float[] {1, 1, 1}, templates, new int[] {1, 1, 1}, FeatureModes.DEFAULT);
        double[] scores = pooled.score(new int[] {5, 5}, new int[] {7, 9});

        assertNull(pooled.feature(9));
        assertEquals(0.0, scores[0], 0.0, "orthogonal templates");
        assertTrue(Double.isNaN(scores[1]), "template 9 lost its only image");
    }

    @Test
    void aMediaCountsOnceWhateverItsImageCount() {
        // template 1: media 1 has three images along x, media 2 one along y; media means, then their sum: (1, 1)
        float[][] images = {{1, 0}, {1, 0}, {1, 0}, {0, 1}};

        TemplateFeatures pooled = TemplateFeatures.pool(images, new float[] {1, 1, 1, 1}, new int[] {1, 1, 1, 1}, new int[] {1, 1, 1, 2},
                FeatureModes.DEFAULT);

        double r = Math.sqrt(0.5);
        assertArrayEquals(new double[] {r, r}, pooled.feature(1), 1e-15);
    }
}
