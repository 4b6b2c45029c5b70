package org.plscj.data;

import java.util.SplittableRandom;

/**
 * The training augmentation of PLSC: a random horizontal mirror with probability
 * {@code mirrorProbability} (0.5 by default); normalisation is done by {@link ImageDecoder}.
 */
public record Augmentation(double mirrorProbability) {
    /** PLSC's default: mirror half the samples. */
    public static final Augmentation DEFAULT = new Augmentation(0.5);
    /** No augmentation (evaluation). */
    public static final Augmentation NONE = new Augmentation(0.0);

    public Augmentation {
        if (!(mirrorProbability >= 0.0 && mirrorProbability <= 1.0)) {
            throw new IllegalArgumentException("mirror probability must be in [0, 1], got " + mirrorProbability);
        }
    }

    /**
     * Whether to mirror the sample {@code rng} belongs to. Always draws exactly one double, whatever
     * the probability, so later draws from the same generator do not depend on it.
     */
    public boolean mirror(SplittableRandom rng) {
        return rng.nextDouble() < mirrorProbability;
    }

    /**
     * A generator determined by (seed, epoch, rank, index) alone, so a sample's augmentation does not
     * depend on thread scheduling or on which samples were decoded before it.
     */
    public static SplittableRandom sampleRandom(long seed, long epoch, long rank, long index) {
        long h = mix(seed);
        h = mix(h ^ epoch);
        h = mix(h ^ rank);
        h = mix(h ^ index);
        return new SplittableRandom(h);
    }

    // SplitMix64's finaliser over an added odd constant: different inputs give well-spread states.
    private static long mix(long z) {
        z += 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }
}
