package org.plscj.bench;

import java.util.Arrays;

/** Wall-clock helpers shared by the benchmarks. */
public final class Timing {
    private Timing() {}

    static double millisSince(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e6;
    }

    /** The median (mean of the two middle values for an even count). */
    public static double median(double[] values) {
        if (values.length == 0) {
            throw new IllegalArgumentException("median of no values");
        }
        double[] sorted = values.clone();
        Arrays.sort(sorted);
        int mid = sorted.length / 2;
        return sorted.length % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
    }

    /** Runs {@code op} once untimed (first touch of its buffers, thread pool start), then returns the median of {@code reps} timed runs. */
    static double medianMillis(int reps, Runnable op) {
        op.run();
        double[] ms = new double[reps];
        for (int i = 0; i < reps; i++) {
            long t = System.nanoTime();
            op.run();
            ms[i] = millisSince(t);
        }
        return median(ms);
    }
}
