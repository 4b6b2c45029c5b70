package org.plscj.model;

import org.bytedeco.pytorch.Tensor;

/**
 * Sees each layer's output as {@link Backbone#forward(Tensor, LayerObserver)} runs, in the order the layers run. The
 * trainer passes one to locate the first layer whose output is not finite.
 *
 * <p>why an argument of one forward call, not a hook registered on the module or a static one: the observer lives only
 * as long as the call that wants it, so a training forward can never carry a forgotten one, and two threads running
 * forwards (a worker and its validation, two backbones in one test JVM) never see each other's layers.
 */
@FunctionalInterface
public interface LayerObserver {
    /** Sees nothing: the plain forward. */
    LayerObserver NONE = (name, kind, input, output) -> {};

    /**
     * @param name   the layer's name as the state_dict keys show it (its parameters are {@code name.…}), e.g.
     *               {@code layer1_0}, {@code blocks.3}, {@code norm}; the key {@code pos_embed} for the position addition
     * @param kind   what the layer is, e.g. {@code ResidualBlock}, {@code LayerNorm}
     * @param input  what the layer was given
     * @param output what it returned
     */
    void output(String name, String kind, Tensor input, Tensor output);
}
