package org.plscj.eval.ijb;

/**
 * eval_ijbc.py's three test modes, all on by default as there.
 *
 * @param flip F1: an image's feature is f(x) + f(mirror(x)); off, f(x) alone
 * @param normScore N1: the feature keeps its norm (a confidence weight); off, it is L2-normalised first
 * @param detectorScore D1: the feature is multiplied by the landmark file's faceness score
 */
public record FeatureModes(boolean flip, boolean normScore, boolean detectorScore) {
    public static final FeatureModes DEFAULT = new FeatureModes(true, true, true);

    /** As eval_ijbc.py names the mode, e.g. {@code F1N1D1}. */
    @Override
    public String toString() {
        return "F" + (flip ? 1 : 0) + "N" + (normScore ? 1 : 0) + "D" + (detectorScore ? 1 : 0);
    }
}
