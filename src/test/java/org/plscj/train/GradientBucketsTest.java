package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.Arrays;
import java.util.List;
import org.junit.jupiter.api.Test;

/** How the backbone's parameters are grouped into all-reduce buckets: PyTorch DDP's assignment by size. */
class GradientBucketsTest {
    private static final long MIB = 1L << 20;

    private static String[] floats(int n) {
        String[] types = new String[n];
        Arrays.fill(types, "Float");
        return types;
    }

    @Test
    void parametersAreTakenInReverseOrderEachInExactlyOneBucket() {
        long[] bytes = {3 * MIB, 3 * MIB, 3 * MIB, 3 * MIB, 3 * MIB};
        List<int[]> buckets = GradientBuckets.assign(bytes, floats(5), 5 * MIB);
        int[] order = buckets.stream().flatMapToInt(Arrays::stream).toArray();
        assertArrayEquals(new int[] {4, 3, 2, 1, 0}, order, "backward produces the last layers' gradients first");
    }

    @Test
    void theFirstBucketClosesAtOneMibThenEachAtTheCap() {
        // reversed: 0.6 MiB + 0.5 MiB reach DDP's 1 MiB first bucket; 10 + 10 MiB stay below 25, the third 10 reaches it
        long[] bytes = {10 * MIB, 10 * MIB, 10 * MIB, MIB / 2, 6 * MIB / 10};
        List<int[]> buckets = GradientBuckets.assign(bytes, floats(5), 25 * MIB);
        assertEquals(2, buckets.size());
        assertArrayEquals(new int[] {4, 3}, buckets.get(0));
        assertArrayEquals(new int[] {2, 1, 0}, buckets.get(1));
    }

    @Test
    void aParameterLargerThanTheCapIsNeverSplit() {
        long[] bytes = {MIB, 100 * MIB, MIB};
        List<int[]> buckets = GradientBuckets.assign(bytes, floats(3), 25 * MIB);
        assertEquals(3, buckets.size());
        assertArrayEquals(new int[] {1}, buckets.get(1), "100 MiB travel as one bucket of their own");
    }

    @Test
    void aCapBelowOneMibAlsoBoundsTheFirstBucket() {
        long[] bytes = {100, 100, 100, 100};
        List<int[]> buckets = GradientBuckets.assign(bytes, floats(4), 200);
        assertEquals(2, buckets.size());
        assertArrayEquals(new int[] {3, 2}, buckets.get(0));
    }

    @Test
    void anElementTypeChangeStartsANewBucket() {
        long[] bytes = {8, 8, 4, 4};
        String[] types = {"Double", "Double", "Float", "Float"};
        List<int[]> buckets = GradientBuckets.assign(bytes, types, 25 * MIB);
        assertEquals(2, buckets.size(), "one all-reduce sums one element type");
        assertArrayEquals(new int[] {3, 2}, buckets.get(0));
        assertArrayEquals(new int[] {1, 0}, buckets.get(1));
    }

    @Test
    void theCapMustBePositive() {
        assertThrows(IllegalArgumentException.class, () -> GradientBuckets.assign(new long[] {4}, floats(1), 0));
    }
}
