package org.plscj.eval;

import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;

/**
 * 1:N identification (the MegaFace / IJB "closed set" protocol) on embeddings, in double precision.
 *
 * <p>A gallery holds one or more images per identity; every probe's true identity must be in the
 * gallery. The score of a probe against an identity is the best cosine similarity (dot product,
 * rows assumed L2-normalised by the caller) over that identity's gallery images. Identities are
 * ranked by that score and the true identity's rank is
 * {@code 1 + #{other identities whose score >= the true identity's score}}: a tie counts against the
 * true identity (the conservative choice, so the rates never depend on an arbitrary tie order).
 *
 * <p>CMC(k) is the fraction of probes whose true identity ranks at or above k, for
 * {@code k = 1 .. K} with {@code K = min(#identities, maxRank)}.
 */
public final class Identification {
    /** The longest CMC curve reported unless the caller asks otherwise. */
    public static final int DEFAULT_MAX_RANK = 20;

    private Identification() {}

    /**
     * Identification rates.
     *
     * @param top1 fraction of probes whose true identity ranks first
     * @param top5 fraction of probes whose true identity ranks in the first five (1.0 when there
     *     are at most five identities)
     * @param cmc {@code cmc[k-1]} = fraction of probes whose true identity ranks at or above k
     * @param ranks the true identity's rank for every probe (1-based)
     */
    public record Result(double top1, double top5, double[] cmc, int[] ranks) {}

    /** {@link #evaluate(double[][], int[], double[][], int[], int)} with a CMC up to rank {@value #DEFAULT_MAX_RANK}. */
    public static Result evaluate(double[][] gallery, int[] galleryLabels, double[][] probes, int[] probeLabels) {
        return evaluate(gallery, galleryLabels, probes, probeLabels, DEFAULT_MAX_RANK);
    }

    /**
     * Ranks every probe's true identity among the gallery identities.
     *
     * @param gallery gallery embeddings, one row per image
     * @param galleryLabels identity of each gallery row
     * @param probes probe embeddings, rows of the gallery's length
     * @param probeLabels true identity of each probe, each present in {@code galleryLabels}
     * @param maxRank longest CMC curve wanted (at least 1)
     * @throws IllegalArgumentException on an empty gallery or probe set, ragged rows, a non-finite
     *     value, a label count that differs from the row count, a probe identity missing from the
     *     gallery, or {@code maxRank < 1}
     */
    public static Result evaluate(double[][] gallery, int[] galleryLabels, double[][] probes, int[] probeLabels, int maxRank) {
        if (maxRank < 1) {
            throw new IllegalArgumentException("maxRank must be at least 1, got " + maxRank);
        }
        int dim = checkRows("gallery", gallery, galleryLabels, -1);
        checkRows("probe", probes, probeLabels, dim);
        Map<Integer, Integer> identityOf = new HashMap<>();
        int[] galleryIdentity = new int[gallery.length];
        for (int g = 0; g < gallery.length; g++) {
            galleryIdentity[g] = identityOf.computeIfAbsent(galleryLabels[g], label -> identityOf.size());
        }
        int[] ranks = new int[probes.length];
        for (int p = 0; p < probes.length; p++) {
            Integer truth = identityOf.get(probeLabels[p]);
            if (truth == null) {
                throw new IllegalArgumentException("probe " + p + " has identity " + probeLabels[p] + ", which is not in the gallery");
            }
            ranks[p] = rankOfTruth(identityScores(probes[p], gallery, galleryIdentity, identityOf.size()), truth);
        }
        double[] cmc = new double[Math.min(identityOf.size(), maxRank)];
        for (int k = 1; k <= cmc.length; k++) {
            cmc[k - 1] = fractionWithin(ranks, k);
        }
        return new Result(fractionWithin(ranks, 1), fractionWithin(ranks, 5), cmc, ranks);
    }

    // score(identity) = max over its gallery images g of <probe, g>
    private static double[] identityScores(double[] probe, double[][] gallery, int[] galleryIdentity, int identities) {
        double[] best = new double[identities];
        Arrays.fill(best, Double.NEGATIVE_INFINITY);
        for (int g = 0; g < gallery.length; g++) {
            double dot = 0;
            for (int j = 0; j < probe.length; j++) {
                dot += probe[j] * gallery[g][j];
            }
            best[galleryIdentity[g]] = Math.max(best[galleryIdentity[g]], dot);
        }
        return best;
    }

    // rank = 1 + #{i != truth : score_i >= score_truth}; ties count against the truth
    private static int rankOfTruth(double[] scores, int truth) {
        int rank = 1;
        for (int i = 0; i < scores.length; i++) {
            if (i != truth && scores[i] >= scores[truth]) {
                rank++;
            }
        }
        return rank;
    }

    private static double fractionWithin(int[] ranks, int k) {
        int hits = 0;
        for (int r : ranks) {
            if (r <= k) {
                hits++;
            }
        }
        return (double) hits / ranks.length;
    }

    // returns the row length; dim < 0 means "take it from row 0"
    private static int checkRows(String what, double[][] rows, int[] labels, int dim) {
        if (rows.length == 0) {
            throw new IllegalArgumentException("the " + what + " set is empty");
        }
        if (labels.length != rows.length) {
            throw new IllegalArgumentException(what + " labels: " + labels.length + " labels for " + rows.length + " rows");
        }
        int expected = dim < 0 ? rows[0].length : dim;
        for (int r = 0; r < rows.length; r++) {
            if (rows[r].length != expected) {
                throw new IllegalArgumentException(what + " row " + r + " has " + rows[r].length + " values, expected " + expected);
            }
            for (double x : rows[r]) {
                if (!Double.isFinite(x)) {
                    throw new IllegalArgumentException(what + " row " + r + " holds a non-finite value " + x);
                }
            }
        }
        return expected;
    }
}
