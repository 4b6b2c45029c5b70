package org.plscj.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class ClassShardTest {
    @ParameterizedTest(name = "C={0} W={1}")
    @CsvSource({"1001, 3", "1000, 4", "7, 7", "85742, 8", "5, 2"})
    void shardsAreContiguousBalancedAndCoverEveryClassOnce(long classes, int world) {
        long next = 0;
        for (int r = 0; r < world; r++) {
            ClassShard s = ClassShard.of(classes, world, r);
            assertEquals(next, s.start(), "rank " + r + " starts where rank " + (r - 1) + " ended");
            assertTrue(s.size() == classes / world || s.size() == classes / world + 1, "balanced within one class");
            assertTrue(s.size() <= s.maxSize());
            assertTrue(s.owns(s.start()) && s.owns(s.start() + s.size() - 1) && !s.owns(s.start() + s.size()));
            next += s.size();
        }
        assertEquals(classes, next);
    }

    @ParameterizedTest
    @CsvSource({"2, 3, 0", "10, 2, 2", "10, 2, -1"})
    void rejectsFewerClassesThanWorkersAndBadRanks(long classes, int world, int rank) {
        assertThrows(IllegalArgumentException.class, () -> ClassShard.of(classes, world, rank));
    }
}
