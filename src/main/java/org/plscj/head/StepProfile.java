package org.plscj.head;

import java.util.EnumMap;
import java.util.Map;

/**
 * Wall time of a head step split by phase, accumulated over steps (for {@code plsc bench head}).
 * CPU timings: on a GPU the kernels run asynchronously and these laps would not mean much.
 */
public final class StepProfile {
    /** The phases of one step, in the order they first occur. */
    public enum Phase { GATHER, LOGITS_GEMM, SOFTMAX, COMMUNICATION, BACKWARD_GEMMS, UPDATE, OTHER }

    private final long[] nanos = new long[Phase.values().length];

    /** Adds the time since {@code since} to {@code phase} and returns now, for the next lap. */
    public long lap(Phase phase, long since) {
        long now = System.nanoTime();
        nanos[phase.ordinal()] += now - since;
        return now;
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
