package org.plscj.head;

import java.util.Arrays;
import java.util.List;

/**
 * How the target's margin logit s·ψ(cos θ) passes its gradient back to cos θ (config key {@code margin_gradient}).
 * The forward value is the same either way; the two reference implementations differ in the backward pass:
 * measured on the demo (BENCHMARKS.md, issue 19), the exact derivative drives the training loss lower late in
 * training and the straight-through one gives a slightly higher held-out accuracy.
 */
public enum MarginGradient {
    /** PLSC's (autograd through cos(m1·acos t + m2) − m3): ∂ψ/∂t = m1·sin(m1·θ + m2)/sin θ ({@link Margin#psiDerivative}). */
    EXACT("exact"),
    /**
     * arcface_torch's CombinedMarginLoss: acos and cos run in place under no_grad, so ∂ψ/∂t = 1 and the target's
     * logit gets the gradient s like every other class.
     */
    STRAIGHT_THROUGH("straight_through");

    private final String key;

    MarginGradient(String key) {
        this.key = key;
    }

    /** The config value: {@code exact} or {@code straight_through}. */
    public String key() {
        return key;
    }

    public static List<String> keys() {
        return Arrays.stream(values()).map(MarginGradient::key).toList();
    }

    /** The choice named {@code key}; null when there is none of that name. */
    public static MarginGradient of(String key) {
        return Arrays.stream(values()).filter(g -> g.key.equals(key)).findFirst().orElse(null);
    }
}
