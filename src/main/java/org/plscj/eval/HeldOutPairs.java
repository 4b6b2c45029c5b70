package org.plscj.eval;

import java.util.ArrayList;
import java.util.List;
import java.util.SplittableRandom;
import org.plscj.data.IdentityGenerator;

/**
 * A verification set drawn from the procedural {@link IdentityGenerator}, on identities the trainer
 * never sees: {@code [firstIdentity, firstIdentity + identities)}. Pairs alternate same / different
 * (pair 0 is same), so with at least 20 pairs each of the 10 unshuffled folds holds both kinds. A same pair shows one
 * identity in two different views; a different pair two different identities. Identities and views
 * are drawn from a generator seeded by {@code seed}: the same arguments give the same set.
 */
public final class HeldOutPairs {
    // views are drawn from [0, VIEWS); training uses small view numbers, any range is equally valid
    private static final int VIEWS = 1 << 20;

    private HeldOutPairs() {}

    /** One image of a pair: sample {@code view} of {@code identity}. */
    record Face(long identity, int view) {}

    /** Pair k: faces {@code first} and {@code second}, the same identity where {@code same}. */
    record Pair(Face first, Face second, boolean same) {}

    /**
     * Draws the pairs and renders their images.
     *
     * @param identities how many held-out identities to draw from (at least 2)
     * @param pairs P, the number of pairs (2·P images)
     */
    public static VerificationSet generate(IdentityGenerator generator, long firstIdentity, int identities,
                                           int pairs, long seed) {
        List<byte[]> images = new ArrayList<>(2 * pairs);
        boolean[] issame = new boolean[pairs];
        List<Pair> plan = plan(firstIdentity, identities, pairs, seed);
        for (int k = 0; k < pairs; k++) {
            Pair pair = plan.get(k);
            images.add(generator.sample(pair.first().identity(), pair.first().view()));
            images.add(generator.sample(pair.second().identity(), pair.second().view()));
            issame[k] = pair.same();
        }
        return new VerificationSet(images, issame);
    }

    /** Which faces {@link #generate} draws, pair by pair. */
    static List<Pair> plan(long firstIdentity, int identities, int pairs, long seed) {
        if (identities < 2) {
            throw new IllegalArgumentException("different-identity pairs need at least 2 held-out identities, got " + identities);
        }
        if (pairs <= 0) {
            throw new IllegalArgumentException("the number of pairs must be positive, got " + pairs);
        }
        SplittableRandom random = new SplittableRandom(seed);
        List<Pair> plan = new ArrayList<>(pairs);
        for (int k = 0; k < pairs; k++) {
            boolean same = k % 2 == 0;
            long first = firstIdentity + random.nextInt(identities);
            long second = same ? first : otherIdentity(random, first, firstIdentity, identities);
            int firstView = random.nextInt(VIEWS);
            // a same pair must show two different views of its identity
            int secondView = same ? (firstView + 1 + random.nextInt(VIEWS - 1)) % VIEWS : random.nextInt(VIEWS);
            plan.add(new Pair(new Face(first, firstView), new Face(second, secondView), same));
        }
        return plan;
    }

    // uniform over the range without `taken`: draw from identities - 1 slots and skip over `taken`
    private static long otherIdentity(SplittableRandom random, long taken, long firstIdentity, int identities) {
        long other = firstIdentity + random.nextInt(identities - 1);
        return other >= taken ? other + 1 : other;
    }
}
