package org.plscj.eval;

import java.util.List;

/**
 * What one verification target scored, the numbers insightface logs per {@code .bin}
 * ({@code [lfw]XNorm}, {@code Accuracy-Flip: mean+-std}) plus VAL@FAR and the ROC.
 *
 * @param target the set's name, e.g. {@code lfw} for {@code lfw.bin}
 * @param accuracy mean 10-fold test accuracy
 * @param accuracyStd population standard deviation of the fold accuracies
 * @param val mean VAL at FAR = {@link VerificationMetrics#FAR_TARGET}
 * @param valStd population standard deviation of VAL over folds
 * @param far mean FAR at the VAL thresholds
 * @param xnorm mean L2 norm of the raw embeddings (see {@link Embedder.Embeddings#xnorm})
 * @param bestThreshold mean over folds of the squared-distance threshold each fold chose
 * @param roc TPR and FPR per threshold, averaged over folds
 * @param skipped the images skipped as bad (each named with its problem); empty unless bad images are skipped
 * @param unscoredPairs the pairs left out of every number above because one of their images was skipped
 */
public record VerificationReport(String target, double accuracy, double accuracyStd, double val, double valStd,
                                 double far, double xnorm, double bestThreshold, RocCurve roc, List<String> skipped,
                                 int unscoredPairs) {

    public VerificationReport {
        skipped = List.copyOf(skipped);
    }

    /** A report of a set whose images all decoded. */
    public VerificationReport(String target, double accuracy, double accuracyStd, double val, double valStd, double far, double xnorm,
            double bestThreshold, RocCurve roc) {
        this(target, accuracy, accuracyStd, val, valStd, far, xnorm, bestThreshold, roc, List.of(), 0);
    }

    /** Builds the report from {@link VerificationMetrics}' result. */
    static VerificationReport of(String target, VerificationMetrics.Result metrics, double xnorm, List<String> skipped, int unscoredPairs) {
        double thresholdSum = 0;
        for (double t : metrics.bestThresholds()) {
            thresholdSum += t;
        }
        RocCurve roc = new RocCurve(target, VerificationMetrics.rocThresholds(), metrics.tpr(), metrics.fpr());
        return new VerificationReport(target, metrics.accuracy(), metrics.accuracyStd(), metrics.val(), metrics.valStd(),
                metrics.far(), xnorm, thresholdSum / metrics.bestThresholds().length, roc, skipped, unscoredPairs);
    }

    /** One line in insightface's style, for logs. */
    public String summary() {
        return String.format("[%s] XNorm %.5f, accuracy %.5f+-%.5f, VAL %.5f+-%.5f @ FAR %.5f, threshold %.2f",
                target, xnorm, accuracy, accuracyStd, val, valStd, far, bestThreshold);
    }
}
