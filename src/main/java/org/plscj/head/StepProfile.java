package org.plscj.head;

import java.util.EnumMap;
import java.util.Map;

/**
 * Wall time of a head step split by phase, accumulated over steps (for {@code plsc bench head}).
 * CPU timings: on a GPU the kernels run asynchronously and these laps would not mean much. When several threads walk
 * the step's blocks side by side, each phase is the mean over those threads.
 */
public final class StepProfile {
    /** The phases of one step, in the order they first occur. */
    public enum Phase {
        GATHER,
        /** Partial FC: drawing the sample, gathering its rows into the step's buffers and writing them back. */
        SAMPLED_ROWS,
        LOGITS_GEMM, SOFTMAX, COMMUNICATION, BACKWARD_GEMMS, UPDATE, OTHER
    }

    private final long[] nanos = new long[Phase.values().length];

    /** Adds the time since {@code since} to {@code phase} and returns now, for the next lap. */
    public long lap(Phase phase, long since) {
        long now = System.nanoTime();
        nanos[phase.ordinal()] += now - since;
        return now;
    }

    /**
     * Adds {@code fraction} of each of {@code other}'s phases: the mean over k threads that ran side by side is each one's
     * times 1/k, so the phases of a step still add up to its wall time.
     */
    void add(StepProfile other, double fraction) {
        for (int i = 0; i < nanos.length; i++) {
            nanos[i] += Math.round(other.nanos[i] * fraction);
        }
    }

    public void reset() {
        java.util.Arrays.fill(nanos, 0);
    }

    /** Accumulated milliseconds per phase. */
    public Map<Phase, Double> millis() {
        Map<Phase, Double> out = new EnumMap<>(Phase.class);
        for (Phase p : Phase.values()) {
            out.put(p, nanos[p.ordinal()] / 1e6);
        }
        return out;
    }
}
