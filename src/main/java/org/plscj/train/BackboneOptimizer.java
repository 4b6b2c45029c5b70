package org.plscj.train;

import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * The backbone's optimizer ({@code optimizer: sgd | adamw}): it updates the trainable parameters from their (summed)
 * gradients and holds its state by name, so a checkpoint stores that state as a plain {@code key → tensor} dict
 * ({@code optimizer.pt}) that PyTorch users can read, and every worker can take rank 0's after a resume.
 */
public interface BackboneOptimizer extends AutoCloseable {

    /** The optimizer {@code c.optimizer()} names, for {@code backbone}, with c's momentum and weight decay. */
    static BackboneOptimizer of(TrainConfig c, Module backbone) {
        return c.optimizer().equals("adamw") ? new BackboneAdamW(backbone, c.weightDecay())
                : new BackboneSgd(backbone, c.momentum(), c.weightDecay());
    }

    /** One update of every parameter that has a gradient, at learning rate {@code lr}. */
    void step(double lr);

    /** The trainable parameters by name (live tensors). */
    Map<String, Tensor> parameters();

    /** The state to checkpoint, by key (live tensors: copy before keeping them). */
    Map<String, Tensor> state();

    /** Replaces the state with a saved one ({@link #state}'s keys and shapes), refusing a missing or misshapen entry. */
    void loadState(Map<String, Tensor> saved);

    @Override
    void close();
}
