package org.plscj.head;

import java.util.BitSet;
import java.util.SplittableRandom;

/**
 * Partial FC's class sampler (PLSC sample_ratio, arcface_torch sample_rate): every positive class
 * of the gathered batch is kept, then random negatives until ⌊ratio·n⌋ classes; when the
 * positives alone exceed that, all of them are kept. The draw depends only on (seed, rank, step),
 * so a resumed run samples what an uninterrupted one would.
 */
final class PartialFcSampler {
    private final double ratio;
    private final long seed;
    private final int rank;

    PartialFcSampler(double ratio, long seed, int rank) {
        this.ratio = ratio;
        this.seed = seed;
        this.rank = rank;
    }

    /**
     * @param positives local class indices in [0, shardSize) that must be kept (any order, repeats allowed)
     * @return the sorted local indices of the classes used this step
     */
    long[] sample(long[] positives, long shardSize, long step) {
        int n = Math.toIntExact(shardSize);
        // why bits: the step's one scan for the kept classes then visits n/64 words, not n flags
        BitSet keep = new BitSet(n);
        int kept = 0;
        for (long p : positives) {
            if (!keep.get((int) p)) {
                keep.set((int) p);
                kept++;
            }
        }
        int target = Math.max(kept, (int) (ratio * n));
        SplittableRandom rng = new SplittableRandom(seed * 0x9E3779B97F4A7C15L + rank * 0xC2B2AE3D27D4EB4FL + step);
        while (kept < target) {
            int r = rng.nextInt(n);
            if (!keep.get(r)) {
                keep.set(r);
                kept++;
            }
        }
        long[] index = new long[kept];
        for (int i = keep.nextSetBit(0), k = 0; i >= 0; i = keep.nextSetBit(i + 1)) {
            index[k++] = i;
        }
        return index;
    }
}
