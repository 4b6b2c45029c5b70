package org.plscj.eval;

import java.util.Arrays;
import java.util.Comparator;
import java.util.stream.IntStream;

/**
 * Face-verification metrics exactly as insightface's {@code eval/verification.py} computes them
 * ({@code evaluate}: {@code calculate_roc} and {@code calculate_val}), in double precision.
 *
 * <p>Pairs are rows {@code 2k} and {@code 2k+1} of the embeddings (already L2-normalised by the
 * caller); {@code dist} is their squared Euclidean distance and a pair is predicted "same" when
 * {@code dist < threshold}. Both metrics use 10 unshuffled folds ({@link KFold}):
 * <ul>
 *   <li>accuracy: on each fold the threshold from {@code arange(0, 4, 0.01)} with the best training
 *       accuracy (the first one on ties, like {@code np.argmax}) is applied to the test fold;</li>
 *   <li>VAL@FAR: on each fold the threshold where the training FAR reaches {@code 1e-3}
 *       (interpolated over {@code arange(0, 4, 0.001)}, or 0 when the training FAR never reaches
 *       it) gives VAL = TA / n_same and FAR = FA / n_diff on the test fold.</li>
 * </ul>
 *
 * <p>Where this differs from the Python: (1) a test fold with no same (no different) pairs has
 * VAL (FAR) 0, where Python divides by zero; (2) sums run left to right, numpy's are pairwise,
 * so a distance may differ by a few ulps, which matters only for a distance within ulps of a
 * threshold; (3) the interpolation is scipy &le; 1.8's {@code interp1d(kind='slinear')}
 * (see {@link #slinear}); scipy &ge; 1.9 raises "Expect x to not have duplicates" there instead.
 */
public final class VerificationMetrics {
    /** Folds of the cross-validation, as insightface's {@code nrof_folds}. */
    public static final int FOLDS = 10;
    /** False-accept rate at which VAL is reported. */
    public static final double FAR_TARGET = 1e-3;

    private static final double[] ROC_THRESHOLDS = arange(400, 0.01);
    private static final double[] VAL_THRESHOLDS = arange(4000, 0.001);

    private VerificationMetrics() {}

    /**
     * What insightface reports for one verification set.
     *
     * @param accuracy mean test-fold accuracy
     * @param accuracyStd population standard deviation ({@code np.std}) of the fold accuracies
     * @param foldAccuracies test accuracy of each fold
     * @param bestThresholds threshold chosen on each fold's training set
     * @param tpr ROC true-positive rate per threshold of {@code arange(0, 4, 0.01)}, mean over folds
     * @param fpr ROC false-positive rate per threshold, mean over folds
     * @param val mean VAL at {@link #FAR_TARGET} over folds
     * @param valStd population standard deviation of VAL over folds
     * @param far mean test-fold FAR at the chosen thresholds
     */
    public record Result(double accuracy, double accuracyStd, double[] foldAccuracies,
                         double[] bestThresholds, double[] tpr, double[] fpr,
                         double val, double valStd, double far) {}

    /**
     * Evaluates pairs of embeddings.
     *
     * @param embeddings 2·P rows of equal length, pair k in rows 2k and 2k+1
     * @param issame P flags, true where pair k shows the same identity
     * @throws IllegalArgumentException on an odd row count, ragged rows, a non-finite value,
     *     {@code issame.length != rows / 2} or fewer than {@link #FOLDS} pairs
     */
    public static Result evaluate(double[][] embeddings, boolean[] issame) {
        double[] dist = squaredDistances(embeddings, issame);
        KFold.Range[] folds = KFold.testRanges(dist.length, FOLDS);
        double[] accuracy = new double[FOLDS];
        double[] best = new double[FOLDS];
        double[][] tprs = new double[FOLDS][];
        double[][] fprs = new double[FOLDS][];
        double[] val = new double[FOLDS];
        double[] far = new double[FOLDS];
        for (int f = 0; f < FOLDS; f++) {
            Subset train = Subset.outside(folds[f], dist, issame);
            Subset test = Subset.inside(folds[f], dist, issame);
            best[f] = ROC_THRESHOLDS[bestAccuracyIndex(train)];
            accuracy[f] = test.count(best[f]).accuracy();
            tprs[f] = new double[ROC_THRESHOLDS.length];
            fprs[f] = new double[ROC_THRESHOLDS.length];
            for (int t = 0; t < ROC_THRESHOLDS.length; t++) {
                Confusion c = test.count(ROC_THRESHOLDS[t]);
                tprs[f][t] = c.tpr();
                fprs[f][t] = c.fpr();
            }
            // VAL = TA / n_same and FAR = FA / n_diff are the TPR and FPR at the VAL threshold
            Confusion atFar = test.count(valThreshold(train));
            val[f] = atFar.tpr();
            far[f] = atFar.fpr();
        }
        return new Result(mean(accuracy), std(accuracy), accuracy, best, columnMean(tprs),
                columnMean(fprs), mean(val), std(val), mean(far));
    }

    /**
     * insightface's XNorm: the mean L2 norm of the (not yet normalised) embedding rows.
     *
     * @throws IllegalArgumentException when there are no rows
     */
    public static double xnorm(double[][] embeddings) {
        if (embeddings.length == 0) {
            throw new IllegalArgumentException("xnorm needs at least one embedding row");
        }
        double sum = 0;
        for (double[] row : embeddings) {
            double squares = 0;
            for (double x : row) {
                squares += x * x;
            }
            sum += Math.sqrt(squares);
        }
        return sum / embeddings.length;
    }

    /** The thresholds of the ROC ({@link Result#tpr}, {@link Result#fpr}): {@code arange(0, 4, 0.01)}, a copy. */
    public static double[] rocThresholds() {
        return ROC_THRESHOLDS.clone();
    }

    /** {@code np.arange(0, count * step, step)}: numpy fills element i as {@code 0 + i * step}. */
    static double[] arange(int count, double step) {
        return IntStream.range(0, count).mapToDouble(i -> i * step).toArray();
    }

    // dist[k] = sum_j (e[2k][j] - e[2k+1][j])^2, after checking the input's shape
    static double[] squaredDistances(double[][] embeddings, boolean[] issame) {
        if (embeddings.length % 2 != 0) {
            throw new IllegalArgumentException("embeddings need an even row count (pairs), got " + embeddings.length);
        }
        int pairs = embeddings.length / 2;
        if (issame.length != pairs) {
            throw new IllegalArgumentException("issame has " + issame.length + " flags but embeddings hold " + pairs + " pairs");
        }
        if (pairs < FOLDS) {
            throw new IllegalArgumentException("need at least " + FOLDS + " pairs for " + FOLDS + "-fold evaluation, got " + pairs);
        }
        int dim = embeddings[0].length;
        double[] dist = new double[pairs];
        for (int r = 0; r < embeddings.length; r++) {
            if (embeddings[r].length != dim) {
                throw new IllegalArgumentException("embedding row " + r + " has " + embeddings[r].length + " values, row 0 has " + dim);
            }
            for (double x : embeddings[r]) {
                if (!Double.isFinite(x)) {
                    throw new IllegalArgumentException("embedding row " + r + " holds a non-finite value " + x);
                }
            }
        }
        for (int k = 0; k < pairs; k++) {
            double[] a = embeddings[2 * k];
            double[] b = embeddings[2 * k + 1];
            double s = 0;
            for (int j = 0; j < dim; j++) {
                double d = a[j] - b[j];
                s += d * d;
            }
            dist[k] = s;
        }
        return dist;
    }

    // argmax over thresholds of the training accuracy; strict > keeps the first maximum, like np.argmax
    private static int bestAccuracyIndex(Subset train) {
        int best = 0;
        double bestAccuracy = train.count(ROC_THRESHOLDS[0]).accuracy();
        for (int t = 1; t < ROC_THRESHOLDS.length; t++) {
            double a = train.count(ROC_THRESHOLDS[t]).accuracy();
            if (a > bestAccuracy) {
                best = t;
                bestAccuracy = a;
            }
        }
        return best;
    }

    // threshold = interp1d(far_train, thresholds, 'slinear')(FAR_TARGET) if max(far_train) >= FAR_TARGET else 0
    private static double valThreshold(Subset train) {
        double[] farTrain = new double[VAL_THRESHOLDS.length];
        double max = Double.NEGATIVE_INFINITY;
        for (int t = 0; t < VAL_THRESHOLDS.length; t++) {
            farTrain[t] = train.count(VAL_THRESHOLDS[t]).fpr();
            max = Math.max(max, farTrain[t]);
        }
        return max >= FAR_TARGET ? slinear(farTrain, VAL_THRESHOLDS, FAR_TARGET) : 0.0;
    }

    /**
     * scipy &le; 1.8 {@code interp1d(x, y, kind='slinear')(xNew)} for {@code x[0] <= xNew <= max(x)}
     * after sorting. interp1d sorts x stably ({@code argsort(kind='mergesort')}) and builds the
     * degree-1 B-spline with knots {@code [x0, x0, x1, ..., xlast, xlast]}; evaluating it picks the
     * last sorted index {@code i <= n-2} with {@code x[i] <= xNew} and returns
     * {@code y[i]·w·(x[i+1] - xNew) + y[i+1]·w·(xNew - x[i])} with {@code w = 1 / (x[i+1] - x[i])}.
     * On a run of equal x values that is the LAST of the run equal to xNew (so xNew on a duplicated
     * value gives the y of its last copy, not the first as {@code kind='linear'} would). When
     * {@code x[i] == x[i+1]} (only possible at the end, xNew == max(x) duplicated) scipy's de Boor
     * step leaves both weights at 0 and the result is 0.0; so is it here.
     */
    static double slinear(double[] x, double[] y, double xNew) {
        Integer[] order = IntStream.range(0, x.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingDouble(i -> x[i])); // object sort is stable
        int i = 0;
        while (i < x.length - 2 && xNew >= x[order[i + 1]]) {
            i++;
        }
        double xa = x[order[i]];
        double xb = x[order[i + 1]];
        if (xa == xb) {
            return 0.0;
        }
        double w = 1.0 / (xb - xa);
        return 0.0 + y[order[i]] * (w * (xb - xNew)) + y[order[i + 1]] * (w * (xNew - xa));
    }

    private static double mean(double[] v) {
        double s = 0;
        for (double x : v) {
            s += x;
        }
        return s / v.length;
    }

    // np.std: population standard deviation, sqrt(mean((x - mean)^2))
    private static double std(double[] v) {
        double m = mean(v);
        double s = 0;
        for (double x : v) {
            s += (x - m) * (x - m);
        }
        return Math.sqrt(s / v.length);
    }

    // np.mean(rows, axis=0): rows added in order, then divided
    private static double[] columnMean(double[][] rows) {
        double[] out = new double[rows[0].length];
        for (double[] row : rows) {
            for (int j = 0; j < out.length; j++) {
                out[j] += row[j];
            }
        }
        for (int j = 0; j < out.length; j++) {
            out[j] /= rows.length;
        }
        return out;
    }

    /** Counts of predictions {@code dist < threshold} against the truth. */
    private record Confusion(int tp, int fp, int tn, int fn) {
        double tpr() {
            return tp + fn == 0 ? 0.0 : (double) tp / (tp + fn);
        }

        double fpr() {
            return fp + tn == 0 ? 0.0 : (double) fp / (fp + tn);
        }

        double accuracy() {
            return (double) (tp + tn) / (tp + fp + tn + fn);
        }
    }

    /** The distances and flags of one fold's test set, or of its training set (all other pairs). */
    private record Subset(double[] dist, boolean[] same) {
        static Subset inside(KFold.Range r, double[] dist, boolean[] same) {
            return new Subset(Arrays.copyOfRange(dist, r.start(), r.end()), Arrays.copyOfRange(same, r.start(), r.end()));
        }

        static Subset outside(KFold.Range r, double[] dist, boolean[] same) {
            int n = dist.length - r.size();
            double[] d = new double[n];
            boolean[] s = new boolean[n];
            System.arraycopy(dist, 0, d, 0, r.start());
            System.arraycopy(dist, r.end(), d, r.start(), dist.length - r.end());
            System.arraycopy(same, 0, s, 0, r.start());
            System.arraycopy(same, r.end(), s, r.start(), same.length - r.end());
            return new Subset(d, s);
        }

        Confusion count(double threshold) {
            int tp = 0, fp = 0, tn = 0, fn = 0;
            for (int k = 0; k < dist.length; k++) {
                boolean predicted = dist[k] < threshold;
                if (predicted) {
                    if (same[k]) tp++; else fp++;
                } else {
                    if (same[k]) fn++; else tn++;
                }
            }
            return new Confusion(tp, fp, tn, fn);
        }
    }
}
