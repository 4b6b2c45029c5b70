package org.plscj.eval.ijb;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.plscj.comm.Communicator;

/** eval_ijbc.py's pipeline on a generated IJB-C directory: alignment, flip-sum, pooling, scores, with a pixel model. */
class IjbEvaluationTest {
    @TempDir
    static Path shared;

    private static Path dir;
    private static int images;

    @BeforeAll
    static void generate() throws Exception {
        dir = shared.resolve("IJBC");
        images = IjbTestSet.write(dir);
    }

    private static IjbEvaluation.Result evaluate(Path set, FeatureModes modes, boolean skipBad) throws Exception {
        return IjbEvaluation.evaluate(IjbMeta.read(set, "IJBC", skipBad), new PixelModel(), "pixels", modes, 16, skipBad,
                Communicator.single());
    }

    @Test
    void alignedFacesOfOneIdentityScoreAboveOtherIdentities() throws Exception {
        IjbEvaluation.Result result = evaluate(dir, FeatureModes.DEFAULT, false);

        IjbReport report = result.report();
        assertEquals(images, report.images());
        assertEquals(IjbTestSet.TEMPLATES, report.templates());
        assertEquals(IjbTestSet.PAIRS, report.pairs());
        assertEquals(0, report.unscoredPairs());
        // a 4×4 pooling of aligned views separates the generator's identities almost perfectly; a misaligned set
        // (see below) does not
        assertTrue(report.roc().auc() > 0.95, "AUC " + report.roc().auc());
    }

    @Test
    void landmarksOfAnotherImageSpoilTheScores() throws Exception {
        Path shuffled = shared.resolve("shuffled");
        IjbTestSet.copy(dir, shuffled);
        // every image gets the landmarks of the image 7 lines further down (same name kept)
        Path points = shuffled.resolve("meta/ijbc_name_5pts_score.txt");
        java.util.List<String> lines = Files.readAllLines(points);
        java.util.List<String> moved = new java.util.ArrayList<>();
        for (int i = 0; i < lines.size(); i++) {
            String other = lines.get((i + 7) % lines.size());
            moved.add(lines.get(i).split(" ")[0] + other.substring(other.indexOf(' ')));
        }
        Files.write(points, moved);

        double aligned = evaluate(dir, FeatureModes.DEFAULT, false).report().roc().auc();
        double misaligned = evaluate(shuffled, FeatureModes.DEFAULT, false).report().roc().auc();

        assertTrue(misaligned < aligned - 0.05, "AUC aligned " + aligned + ", with wrong landmarks " + misaligned);
    }

    @Test
    void scoresAreThePoolingOfTheFeaturesItReports() throws Exception {
        for (FeatureModes modes : new FeatureModes[] {FeatureModes.DEFAULT, new FeatureModes(false, false, false)}) {
            IjbEvaluation.Result result = evaluate(dir, modes, false);
            IjbMeta meta = IjbMeta.read(dir, "IJBC", false);

            double[] expected = TemplateFeatures.pool(result.features(), meta.faceness(), meta.templates(), meta.medias(), modes)
                    .score(meta.first(), meta.second());

            assertArrayEquals(expected, result.scores(), 0.0, modes.toString());
        }
    }

    @Test
    void theFlipSumIsTheFeatureOfTheImagePlusThatOfItsMirror() throws Exception {
        IjbMeta meta = IjbMeta.read(dir, "IJBC", false);
        float[] both = new float[2 * AlignedFaces.SAMPLE];
        new AlignedFaces(meta).alignInto(0, both, 0, AlignedFaces.SAMPLE);
        float[][] f = new PixelModel().embed(both, 2);

        float[] flipSum = evaluate(dir, FeatureModes.DEFAULT, false).features()[0];
        float[] plain = evaluate(dir, new FeatureModes(false, true, true), false).features()[0];

        for (int j = 0; j < f[0].length; j++) {
            assertEquals(f[0][j] + f[1][j], flipSum[j], 0f, "F1, value " + j);
            assertEquals(f[0][j], plain[j], 0f, "F0, value " + j);
        }
    }

    @Test
    void anAbsentImageIsNamedWithItsLandmarkLine() throws Exception {
        Path broken = shared.resolve("absent");
        IjbTestSet.copy(dir, broken);
        Files.delete(broken.resolve("loose_crop/5.png"));

        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> evaluate(broken, FeatureModes.DEFAULT, false));
        assertEquals(broken.resolve("loose_crop/5.png") + " (image of meta/ijbc_name_5pts_score.txt line 5): the image is absent",
                e.getMessage());
    }

    @Test
    void withSkipBadAnAbsentImageIsCountedAndATemplateWithoutImagesLeavesItsPairsUnscored() throws Exception {
        Path broken = shared.resolve("skipped");
        IjbTestSet.copy(dir, broken);
        IjbMeta meta = IjbMeta.read(broken, "IJBC", false);
        int template = meta.templates()[0];
        int removed = 0;
        for (int i = 0; i < meta.images(); i++) {
            if (meta.templates()[i] == template) {
                Files.delete(meta.imageFile(i));
                removed++;
            }
        }
        Files.writeString(broken.resolve("loose_crop/" + meta.name(meta.images() - 1)), "not an image");

        IjbEvaluation.Result result = evaluate(broken, FeatureModes.DEFAULT, true);

        IjbReport report = result.report();
        assertEquals(removed + 1, report.skipped().size());
        assertTrue(report.skipped().get(report.skipped().size() - 1).endsWith("the image does not decode"), report.skipped().toString());
        assertEquals(1, report.emptyTemplates());
        assertEquals(IjbTestSet.TEMPLATES - 1, report.unscoredPairs(), "every pair of the emptied template");
        assertNull(result.features()[0]);
        for (int p = 0; p < meta.pairs(); p++) {
            boolean touches = meta.first()[p] == template || meta.second()[p] == template;
            assertEquals(touches, Double.isNaN(result.scores()[p]), "pair line " + (p + 1));
        }
    }
}
