package org.plscj.eval.ijb;

import java.util.Arrays;
import org.plscj.eval.RocCurve;

/**
 * The ROC and TAR@FAR exactly as insightface's {@code recognition/arcface_torch/eval_ijbc.py} (Step 5) reports
 * IJB-B/C: scikit-learn's {@code roc_curve(label, score)} with its defaults, then per FAR target the TPR of the
 * ROC point with the nearest FPR, searched in the flipped arrays so that of equally near points the one with the
 * largest TPR wins ({@code min(zip(abs(fpr - x), range(len(fpr))))} on {@code np.flipud(fpr)}).
 *
 * <p>roc_curve with its defaults (positive label 1, {@code drop_intermediate=True}, scikit-learn ≥ 1.3):
 * <pre>
 *   for each distinct score s, descending:  tps(s) = #positives with score ≥ s,  fps(s) = #negatives with score ≥ s
 *   drop a point when both fps and tps are linear through it (second differences 0), keeping the first and last
 *   prepend (0, 0) at threshold +∞;  fpr = fps / fps[last],  tpr = tps / tps[last]
 * </pre>
 * Counting above a threshold needs no per-pair sort: the positives' and the negatives' scores are sorted apart
 * and merged from the top. Memory: a copy of the scores (8 bytes per pair) plus the points.
 *
 * @param fpr ascending, from 0 to 1
 * @param tpr non-decreasing, from 0 to 1
 * @param thresholds descending, the first +∞
 */
public record SklearnRoc(double[] fpr, double[] tpr, double[] thresholds) {
    /** eval_ijbc.py's {@code x_labels}: the FAR targets of its table. */
    public static final double[] FAR_TARGETS = RocCurve.MARKED_FARS;

    /**
     * The ROC of {@code scores} against {@code positive} (NaN scores, pairs left unscored, are left out).
     *
     * @throws IllegalArgumentException when the scored pairs are not both positive and negative ones
     */
    public static SklearnRoc of(double[] scores, boolean[] positive) {
        if (scores.length != positive.length) {
            throw new IllegalArgumentException(scores.length + " scores for " + positive.length + " labels");
        }
        int positives = 0;
        int negatives = 0;
        for (int i = 0; i < scores.length; i++) {
            if (!Double.isNaN(scores[i])) {
                if (positive[i]) {
                    positives++;
                } else {
                    negatives++;
                }
            }
        }
        if (positives == 0 || negatives == 0) {
            throw new IllegalArgumentException("a ROC needs scored pairs of both labels, got " + positives + " positive and "
                    + negatives + " negative ones");
        }
        double[] pos = new double[positives];
        double[] neg = new double[negatives];
        for (int i = 0, p = 0, n = 0; i < scores.length; i++) {
            if (!Double.isNaN(scores[i])) {
                if (positive[i]) {
                    pos[p++] = scores[i];
                } else {
                    neg[n++] = scores[i];
                }
            }
        }
        Arrays.sort(pos);
        Arrays.sort(neg);
        return fromCounts(countsAbove(pos, neg));
    }

    // {tps, fps, thresholds} per distinct score, descending: sklearn's _binary_clf_curve
    private static double[][] countsAbove(double[] pos, double[] neg) {
        double[] tps = new double[pos.length + neg.length];
        double[] fps = new double[tps.length];
        double[] thr = new double[tps.length];
        int i = pos.length - 1;
        int j = neg.length - 1;
        int points = 0;
        long tp = 0;
        long fp = 0;
        while (i >= 0 || j >= 0) {
            double s = i < 0 ? neg[j] : j < 0 ? pos[i] : Math.max(pos[i], neg[j]);
            for (; i >= 0 && pos[i] == s; i--) {
                tp++;
            }
            for (; j >= 0 && neg[j] == s; j--) {
                fp++;
            }
            tps[points] = tp;
            fps[points] = fp;
            thr[points++] = s;
        }
        return new double[][] {Arrays.copyOf(tps, points), Arrays.copyOf(fps, points), Arrays.copyOf(thr, points)};
    }

    private static SklearnRoc fromCounts(double[][] counts) {
        double[] tps = counts[0];
        double[] fps = counts[1];
        double[] thr = counts[2];
        int n = tps.length;
        // drop_intermediate: keep k when np.diff(fps, 2) or np.diff(tps, 2) is non-zero around it (ends always kept)
        int[] keep = new int[n];
        int kept = 0;
        for (int k = 0; k < n; k++) {
            if (n <= 2 || k == 0 || k == n - 1 || fps[k + 1] - 2 * fps[k] + fps[k - 1] != 0
                    || tps[k + 1] - 2 * tps[k] + tps[k - 1] != 0) {
                keep[kept++] = k;
            }
        }
        double[] fpr = new double[kept + 1];
        double[] tpr = new double[kept + 1];
        double[] thresholds = new double[kept + 1];
        thresholds[0] = Double.POSITIVE_INFINITY;
        double fpTotal = fps[n - 1];
        double tpTotal = tps[n - 1];
        for (int k = 0; k < kept; k++) {
            fpr[k + 1] = fps[keep[k]] / fpTotal;
            tpr[k + 1] = tps[keep[k]] / tpTotal;
            thresholds[k + 1] = thr[keep[k]];
        }
        return new SklearnRoc(fpr, tpr, thresholds);
    }

    /** eval_ijbc.py's TAR at {@code far}: the TPR of the nearest-FPR point, ties to the largest TPR. */
    public double tarAt(double far) {
        int best = fpr.length - 1;
        double bestDistance = Math.abs(fpr[best] - far);
        // the flipped array in order: index fpr.length-1 first; only a strictly nearer point replaces the best
        for (int k = fpr.length - 2; k >= 0; k--) {
            double d = Math.abs(fpr[k] - far);
            if (d < bestDistance) {
                best = k;
                bestDistance = d;
            }
        }
        return tpr[best];
    }

    /** {@link #tarAt} for each of {@link #FAR_TARGETS}. */
    public double[] tarAtFarTargets() {
        return Arrays.stream(FAR_TARGETS).map(this::tarAt).toArray();
    }

    /** The area under the curve by the trapezoidal rule ({@code sklearn.metrics.auc}, the legend of eval_ijbc.py's plot). */
    public double auc() {
        double area = 0;
        for (int k = 1; k < fpr.length; k++) {
            area += (fpr[k] - fpr[k - 1]) * (tpr[k] + tpr[k - 1]) / 2;
        }
        return area;
    }
}
