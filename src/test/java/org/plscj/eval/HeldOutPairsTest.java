package org.plscj.eval;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;
import org.plscj.data.IdentityGenerator;

class HeldOutPairsTest {
    private static final long FIRST = 500;
    private static final int IDENTITIES = 3;

    @Test
    void pairsAlternateSameAndDifferentOnHeldOutIdentitiesWithDistinctViewsForSamePairs() {
        List<HeldOutPairs.Pair> plan = HeldOutPairs.plan(FIRST, IDENTITIES, 200, 42);
        for (int k = 0; k < plan.size(); k++) {
            HeldOutPairs.Pair pair = plan.get(k);
            assertEquals(k % 2 == 0, pair.same(), "pair " + k);
            for (HeldOutPairs.Face face : List.of(pair.first(), pair.second())) {
                assertTrue(face.identity() >= FIRST && face.identity() < FIRST + IDENTITIES, "pair " + k + ": " + face);
            }
            if (pair.same()) {
                assertEquals(pair.first().identity(), pair.second().identity(), "pair " + k);
                assertNotEquals(pair.first().view(), pair.second().view(), "pair " + k + " repeats a view");
            } else {
                assertNotEquals(pair.first().identity(), pair.second().identity(), "pair " + k);
            }
        }
        long distinct = plan.stream().map(p -> p.first().identity()).distinct().count();
        assertEquals(IDENTITIES, distinct, "every held-out identity is used");
    }

    @Test
    void theSameSeedGivesTheSameSetAndTheImagesAreTheGeneratorsSamples() {
        IdentityGenerator generator = new IdentityGenerator(7);
        VerificationSet a = HeldOutPairs.generate(generator, FIRST, IDENTITIES, 4, 42);
        VerificationSet b = HeldOutPairs.generate(generator, FIRST, IDENTITIES, 4, 42);
        List<HeldOutPairs.Pair> plan = HeldOutPairs.plan(FIRST, IDENTITIES, 4, 42);
        assertEquals(8, a.images().size());
        assertArrayEquals(a.issame(), b.issame());
        for (int k = 0; k < plan.size(); k++) {
            HeldOutPairs.Face second = plan.get(k).second();
            assertArrayEquals(generator.sample(second.identity(), second.view()), a.images().get(2 * k + 1), "image " + (2 * k + 1));
            assertArrayEquals(a.images().get(2 * k), b.images().get(2 * k), "image " + 2 * k);
        }
        assertNotEquals(plan, HeldOutPairs.plan(FIRST, IDENTITIES, 4, 43), "another seed, another plan");
    }

    @Test
    void needsTwoIdentitiesForDifferentPairs() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> HeldOutPairs.plan(FIRST, 1, 10, 0));
        assertTrue(e.getMessage().contains("at least 2"), e.getMessage());
    }
}
