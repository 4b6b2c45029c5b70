package org.plscj.eval;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class RankSliceTest {

    @ParameterizedTest
    @CsvSource({"10,1", "10,4", "12,4", "5,4", "1,3", "7,7", "13000,8"})
    void concatenatingEveryRanksPaddedBlockInRankOrderPutsImageIAtRowI(int count, int world) {
        // simulate the all-gather: rank r fills its padded block with its image indices, -1 for padding
        List<Integer> gathered = new ArrayList<>();
        int realImages = 0;
        for (int rank = 0; rank < world; rank++) {
            RankSlice slice = new RankSlice(count, world, rank);
            assertEquals((count + world - 1) / world, slice.padded(), "every rank sends the same row count");
            assertTrue(slice.size() >= 0 && slice.size() <= slice.padded());
            for (int i = 0; i < slice.padded(); i++) {
                gathered.add(i < slice.size() ? slice.start() + i : -1);
            }
            realImages += slice.size();
        }
        assertEquals(count, realImages, "each image is embedded by exactly one rank");
        for (int i = 0; i < count; i++) {
            assertEquals(i, gathered.get(i), "row " + i);
        }
        for (int i = count; i < gathered.size(); i++) {
            assertEquals(-1, gathered.get(i), "only padding after the real images, row " + i);
        }
    }

    @Test
    void aRankPastTheEndHoldsOnlyPadding() {
        RankSlice last = new RankSlice(5, 4, 3);
        assertEquals(2, last.padded());
        assertEquals(0, last.size());
        RankSlice third = new RankSlice(5, 4, 2);
        assertEquals(4, third.start());
        assertEquals(1, third.size());
    }

    @Test
    void rejectsARankOutsideTheWorld() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> new RankSlice(10, 2, 2));
        assertTrue(e.getMessage().contains("rank 2 of 2"), e.getMessage());
    }
}
