package org.plscj.eval;

/**
 * Unshuffled k-fold split over {@code n} ordered samples, like sklearn's
 * {@code KFold(n_splits=k, shuffle=False)}: fold sizes are {@code n / k}, the first {@code n % k}
 * folds hold one more, and each test fold is a contiguous range; the training set is the rest.
 */
final class KFold {
    private KFold() {}

    /** The test range of one fold: samples {@code start} (inclusive) to {@code end} (exclusive). */
    record Range(int start, int end) {
        int size() {
            return end - start;
        }
    }

    static Range[] testRanges(int n, int k) {
        if (k < 2 || n < k) {
            throw new IllegalArgumentException("k-fold needs 2 <= k <= n, got k=" + k + ", n=" + n);
        }
        Range[] ranges = new Range[k];
        int start = 0;
        for (int f = 0; f < k; f++) {
            int size = n / k + (f < n % k ? 1 : 0);
            ranges[f] = new Range(start, start + size);
            start += size;
        }
        return ranges;
    }
}
