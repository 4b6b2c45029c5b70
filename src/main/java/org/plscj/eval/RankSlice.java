package org.plscj.eval;

/**
 * Which images one rank embeds when {@code count} images are shared by {@code worldSize} ranks:
 * a contiguous block of {@link #padded()} = ⌈count / worldSize⌉ slots starting at
 * {@code rank · padded()}, of which the first {@link #size()} are real images and the rest padding
 * (only the last ranks have padding; a rank may have no real image at all).
 *
 * <p>Every rank contributes exactly {@link #padded()} rows to the all-gather (collectives need equal
 * shapes), and because the blocks are contiguous and in rank order, row {@code i} of the gathered
 * matrix is image {@code i} for every {@code i < count}: reassembly is "keep the first count rows".
 *
 * @param count images in the whole set
 * @param worldSize ranks sharing them
 * @param rank this rank
 */
public record RankSlice(int count, int worldSize, int rank) {

    public RankSlice {
        if (count < 0 || worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("cannot split " + count + " images over rank " + rank + " of "
                    + worldSize + " (need count >= 0, worldSize >= 1, 0 <= rank < worldSize)");
        }
    }

    /** Slots every rank fills, padding included: ⌈count / worldSize⌉. */
    public int padded() {
        return (count + worldSize - 1) / worldSize;
    }

    /** Index of this rank's first image (may be past the end when the rank holds only padding). */
    public int start() {
        return rank * padded();
    }

    /** Real images this rank embeds: at most {@link #padded()}, possibly 0. */
    public int size() {
        return Math.max(0, Math.min(padded(), count - start()));
    }
}
