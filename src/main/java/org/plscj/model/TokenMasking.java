package org.plscj.model;

/**
 * A backbone whose training can drop a random fraction of each sample's tokens (the {@code mask_ratio} key): the
 * built-in Vision Transformers, or a custom backbone that implements it. The trainer refuses {@code mask_ratio > 0}
 * for any other backbone rather than ignore it.
 */
public interface TokenMasking {
    /**
     * From now on training masks this fraction of each sample's tokens (0 = never), and whatever stands in for the
     * dropped tokens trains; called before the optimizer collects the parameters.
     *
     * @throws IllegalArgumentException unless 0 ≤ ratio &lt; 1
     */
    void maskTokens(double ratio);
}
