package org.plscj.train;

import java.util.EnumMap;
import java.util.Map;

/** Wall time of training steps split by phase, accumulated (for logs and {@code plsc bench train}). */
public final class StepPhases {
    /** A step's phases in the order they run. */
    public enum Phase { DATA, FORWARD, HEAD, BACKWARD, ALL_REDUCE, UPDATE }

    private final long[] nanos = new long[Phase.values().length];
    private long steps;

    /** Adds the time since {@code since} to {@code phase} and returns now, for the next lap. */
    public long lap(Phase phase, long since) {
        long now = System.nanoTime();
        nanos[phase.ordinal()] += now - since;
        return now;
    }

    void countStep() {
        steps++;
    }

    public long steps() {
        return steps;
    }

    public void reset() {
        java.util.Arrays.fill(nanos, 0);
        steps = 0;
    }

    /** Mean milliseconds per step of each phase. */
    public Map<Phase, Double> meanMillis() {
        Map<Phase, Double> out = new EnumMap<>(Phase.class);
        for (Phase p : Phase.values()) {
            out.put(p, steps == 0 ? 0 : nanos[p.ordinal()] / 1e6 / steps);
        }
        return out;
    }
}
