package org.plscj.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

class IdentificationTest {
    // identity 10 has two images, 20 and 30 one each
    private static final double[][] GALLERY = {{1, 0}, {0, 1}, {0.6, 0.8}, {-1, 0}};
    private static final int[] GALLERY_LABELS = {10, 10, 20, 30};

    @Test
    void ranksTheTrueIdentityByItsBestImageAndCountsTiesAgainstIt() {
        double[][] probes = {
            {1, 0},      // 10: 1 > 0.6 > -1                       → rank 1
            {0, 1},      // 20: 0.8, beaten by 10's second image (1) → rank 2
            {-1, 0},     // 30: 1 > 0 (10) > -0.6                    → rank 1
            {0, -1},     // 30: 0, tied with 10's 0                  → rank 2 (tie counts against)
            {0.8, 0.6},  // 30: -0.8 < 0.8 (10) and 0.96 (20)        → rank 3
        };
        Identification.Result r = Identification.evaluate(GALLERY, GALLERY_LABELS, probes, new int[] {10, 20, 30, 30, 30});

        assertArrayEquals(new int[] {1, 2, 1, 2, 3}, r.ranks());
        assertEquals(0.4, r.top1(), 1e-15);
        assertEquals(1.0, r.top5(), 1e-15);
        assertArrayEquals(new double[] {0.4, 0.8, 1.0}, r.cmc(), 1e-15);
    }

    @Test
    void matchesABruteForceSortOnRandomDataWithManyTies() {
        Random rnd = new Random(7);
        int identities = 30;
        int dim = 4;
        // coordinates in {-1, 0, 1} make equal scores common, so the tie rule is exercised
        double[][] gallery = new double[90][dim];
        int[] galleryLabels = new int[gallery.length];
        for (int g = 0; g < gallery.length; g++) {
            galleryLabels[g] = 1000 + (g < identities ? g : rnd.nextInt(identities));
            fillTernary(gallery[g], rnd);
        }
        double[][] probes = new double[200][dim];
        int[] probeLabels = new int[probes.length];
        for (int p = 0; p < probes.length; p++) {
            probeLabels[p] = 1000 + rnd.nextInt(identities);
            fillTernary(probes[p], rnd);
        }
        Identification.Result r = Identification.evaluate(gallery, galleryLabels, probes, probeLabels, 10);

        int[] expected = new int[probes.length];
        for (int p = 0; p < probes.length; p++) {
            expected[p] = bruteForceRank(gallery, galleryLabels, probes[p], probeLabels[p]);
        }
        assertArrayEquals(expected, r.ranks());
        assertEquals(10, r.cmc().length);
        for (int k = 1; k <= 10; k++) {
            final int kk = k;
            double rate = (double) Arrays.stream(expected).filter(x -> x <= kk).count() / expected.length;
            assertEquals(rate, r.cmc()[k - 1], 1e-15, "CMC at rank " + k);
        }
        assertEquals(r.cmc()[0], r.top1(), 1e-15);
        assertEquals(r.cmc()[4], r.top5(), 1e-15);
    }

    @Test
    void cmcIsNonDecreasingAndReachesOneAtTheIdentityCount() {
        Random rnd = new Random(11);
        int identities = 12;
        double[][] gallery = randomUnitRows(identities, 8, rnd);
        int[] labels = new int[identities];
        for (int i = 0; i < identities; i++) {
            labels[i] = i;
        }
        double[][] probes = randomUnitRows(50, 8, rnd);
        int[] probeLabels = rnd.ints(50, 0, identities).toArray();
        double[] cmc = Identification.evaluate(gallery, labels, probes, probeLabels, 100).cmc();

        assertEquals(identities, cmc.length, "K = min(#identities, maxRank)");
        for (int k = 1; k < cmc.length; k++) {
            assertTrue(cmc[k] >= cmc[k - 1], "CMC decreases at rank " + (k + 1));
        }
        assertEquals(1.0, cmc[cmc.length - 1], 0.0);
        assertEquals(Identification.DEFAULT_MAX_RANK, Identification.evaluate(
                randomUnitRows(25, 8, rnd), IntStream.range(0, 25).toArray(), probes, probeLabels).cmc().length);
    }

    @Test
    void rejectsBadInputNamingTheProblem() {
        double[][] probes = {{1, 0}};
        int[] probeLabels = {10};
        assertMessage("probe 1 has identity 99", () -> Identification.evaluate(GALLERY, GALLERY_LABELS,
                new double[][] {{1, 0}, {0, 1}}, new int[] {10, 99}));
        assertMessage("gallery set is empty", () -> Identification.evaluate(new double[0][], new int[0], probes, probeLabels));
        assertMessage("gallery row 2 has 3 values", () -> Identification.evaluate(
                new double[][] {{1, 0}, {0, 1}, {0, 0, 1}}, new int[] {1, 2, 3}, probes, new int[] {1}));
        assertMessage("probe row 0 has 3 values", () -> Identification.evaluate(
                GALLERY, GALLERY_LABELS, new double[][] {{1, 0, 0}}, probeLabels));
        assertMessage("gallery labels: 3 labels for 4 rows", () -> Identification.evaluate(
                GALLERY, new int[] {10, 20, 30}, probes, probeLabels));
        assertMessage("probe row 0 holds a non-finite value NaN", () -> Identification.evaluate(
                GALLERY, GALLERY_LABELS, new double[][] {{Double.NaN, 0}}, probeLabels));
        assertMessage("maxRank must be at least 1", () -> Identification.evaluate(
                GALLERY, GALLERY_LABELS, probes, probeLabels, 0));
    }

    private static void assertMessage(String fragment, Executable call) {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, call);
        assertTrue(e.getMessage().contains(fragment), "message '" + e.getMessage() + "' lacks '" + fragment + "'");
    }

    /** Sorts identities by best score, descending, with the true identity last among equals. */
    private static int bruteForceRank(double[][] gallery, int[] labels, double[] probe, int truth) {
        Map<Integer, Double> best = new LinkedHashMap<>();
        for (int g = 0; g < gallery.length; g++) {
            double s = 0;
            for (int j = 0; j < probe.length; j++) {
                s += probe[j] * gallery[g][j];
            }
            best.merge(labels[g], s, Math::max);
        }
        List<Integer> order = new ArrayList<>(best.keySet());
        order.sort(Comparator.<Integer>comparingDouble(best::get).reversed()
                .thenComparing(id -> id == truth ? 1 : 0));
        return order.indexOf(truth) + 1;
    }

    private static void fillTernary(double[] row, Random rnd) {
        for (int j = 0; j < row.length; j++) {
            row[j] = rnd.nextInt(3) - 1;
        }
    }

    private static double[][] randomUnitRows(int n, int dim, Random rnd) {
        double[][] out = new double[n][dim];
        for (double[] row : out) {
            double norm = 0;
            for (int j = 0; j < dim; j++) {
                row[j] = rnd.nextGaussian();
                norm += row[j] * row[j];
            }
            for (int j = 0; j < dim; j++) {
                row[j] /= Math.sqrt(norm);
            }
        }
        return out;
    }
}
