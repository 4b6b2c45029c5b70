package org.plscj.head;

/**
 * The classes one worker owns: [start, start + size). Balanced as in arcface_torch:
 * {@code n_r = C // W + (r < C % W)}, {@code start_r = (C // W)·r + min(r, C % W)}.
 */
public record ClassShard(long numClasses, int worldSize, int rank, long start, long size) {

    public static ClassShard of(long numClasses, int worldSize, int rank) {
        if (worldSize < 1 || rank < 0 || rank >= worldSize) {
            throw new IllegalArgumentException("rank " + rank + " is not in a world of size " + worldSize);
        }
        if (numClasses < worldSize) {
            throw new IllegalArgumentException("num_classes (" + numClasses + ") must be at least the world size ("
                    + worldSize + "): every worker needs one class or more");
        }
        long base = numClasses / worldSize;
        long rest = numClasses % worldSize;
        return new ClassShard(numClasses, worldSize, rank, base * rank + Math.min(rank, rest), base + (rank < rest ? 1 : 0));
    }

    /** The largest shard of this partition (rank 0's), for padding to equal sizes across ranks. */
    public long maxSize() {
        return numClasses / worldSize + (numClasses % worldSize == 0 ? 0 : 1);
    }

    public boolean owns(long label) {
        return label >= start && label < start + size;
    }
}
