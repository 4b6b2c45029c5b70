package org.plscj.head;

import java.util.Arrays;
import java.util.stream.Collectors;

/**
 * PLSC's loss_type names and their default margins (m1, m2, m3) and scale. The {@code dist_}
 * prefix is accepted and optional: every head here is model-parallel, and with one worker it is
 * the single-device loss.
 */
public enum LossType {
    /** Un-normalised FC with bias, PLSC's dist_softmax. */
    SOFTMAX("softmax", new Margin(1, 0, 0, 1)),
    /** cos(θ + 0.5), scale 64 (PLSC v1 defaults). */
    ARCFACE("arcface", new Margin(1, 0.5, 0, 64)),
    /** cos θ − 0.35, scale 64. */
    COSFACE("cosface", new Margin(1, 0, 0.35, 64)),
    /** cos(1.35·θ), scale 64. */
    SPHEREFACE("sphereface", new Margin(1.35, 0, 0, 64)),
    /** cos(m1·θ + m2) − m3 with user margins; defaults to insightface's (1, 0.3, 0.2), scale 64. */
    COMBINED("combined", new Margin(1, 0.3, 0.2, 64));

    private final String plscName;
    private final Margin defaults;

    LossType(String plscName, Margin defaults) {
        this.plscName = plscName;
        this.defaults = defaults;
    }

    public Margin defaultMargin() {
        return defaults;
    }

    public boolean normalised() {
        return this != SOFTMAX;
    }

    /** The PLSC name, e.g. {@code dist_arcface}. */
    public String plscName() {
        return "dist_" + plscName;
    }

    public static LossType parse(String name) {
        String bare = name.trim().toLowerCase().replaceFirst("^dist_", "");
        for (LossType t : values()) {
            if (t.plscName.equals(bare)) {
                return t;
            }
        }
        throw new IllegalArgumentException("unknown loss_type '" + name + "'; expected one of "
                + Arrays.stream(values()).map(LossType::plscName).collect(Collectors.joining(", ")));
    }
}
