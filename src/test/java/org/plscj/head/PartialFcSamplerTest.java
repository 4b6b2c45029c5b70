package org.plscj.head;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Arrays;
import org.junit.jupiter.api.Test;

class PartialFcSamplerTest {
    @Test
    void keepsEveryPositiveAndFillsWithDistinctSortedNegativesUpToTheRatio() {
        PartialFcSampler sampler = new PartialFcSampler(0.1, 7, 0);
        long[] positives = {5, 999, 5, 123, 0};
        long[] sample = sampler.sample(positives, 1000, 3);
        assertEquals(100, sample.length);
        for (long p : positives) {
            assertTrue(Arrays.binarySearch(sample, p) >= 0, "positive " + p + " kept");
        }
        for (int i = 1; i < sample.length; i++) {
            assertTrue(sample[i - 1] < sample[i], "sorted and distinct");
        }
    }

    @Test
    void keepsAllPositivesWhenTheyExceedTheRatio() {
        long[] positives = {1, 2, 3, 4, 5, 6, 7};
        assertArrayEquals(positives, new PartialFcSampler(0.2, 7, 0).sample(positives, 10, 0));
    }

    @Test
    void drawDependsOnlyOnSeedRankAndStep() {
        long[] pos = {3};
        assertArrayEquals(new PartialFcSampler(0.3, 1, 2).sample(pos, 500, 9), new PartialFcSampler(0.3, 1, 2).sample(pos, 500, 9));
        assertFalse(Arrays.equals(new PartialFcSampler(0.3, 1, 2).sample(pos, 500, 9), new PartialFcSampler(0.3, 1, 2).sample(pos, 500, 10)));
        assertFalse(Arrays.equals(new PartialFcSampler(0.3, 1, 2).sample(pos, 500, 9), new PartialFcSampler(0.3, 1, 3).sample(pos, 500, 9)));
    }
}
