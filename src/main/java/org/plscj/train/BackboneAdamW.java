package org.plscj.train;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.optim.AdamWUpdate;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;

/**
 * The backbone's {@code optimizer: adamw}: exactly {@code torch.optim.AdamW(lr, betas=(0.9, 0.999), eps=1e-8,
 * weight_decay=λ)} (arcface_torch's ViT recipes), see {@link AdamWUpdate}. Holds two moments per trainable parameter
 * (two more floats per parameter than the parameters themselves) and the update count; its state is saved under the
 * keys {@code exp_avg/NAME}, {@code exp_avg_sq/NAME} (torch's names) and {@code step}, one count for all parameters as
 * they are all updated together.
 */
public final class BackboneAdamW implements BackboneOptimizer {
    static final String FIRST = "exp_avg/";
    static final String SECOND = "exp_avg_sq/";
    static final String STEP = "step";

    private final AdamWUpdate rule = AdamWUpdate.TORCH_DEFAULTS;
    private final Map<String, Tensor> parameters;
    private final Map<String, Tensor> state = new LinkedHashMap<>();
    /** t as an int64 [1] tensor, so that it is saved and broadcast with the moments. */
    private final Tensor step;
    private final double weightDecay;

    public BackboneAdamW(Module backbone, double weightDecay) {
        this.weightDecay = weightDecay;
        this.parameters = OptimizerTensors.trainable(backbone);
        parameters.forEach((name, p) -> {
            state.put(FIRST + name, Scoped.hold(torch.zeros_like(p)));
            state.put(SECOND + name, Scoped.hold(torch.zeros_like(p)));
        });
        this.step = Scoped.hold(Tensors.longs(Placement.CPU_FLOAT, new long[] {0}));
        state.put(STEP, step);
    }

    @Override
    public void step(double lr) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            long t = Math.round(step.item_double()) + 1;
            for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
                Tensor p = e.getValue();
                Tensor grad = p.grad();
                if (grad.defined()) {
                    rule.apply(p, grad, state.get(FIRST + e.getKey()), state.get(SECOND + e.getKey()), lr, weightDecay, t);
                }
            }
            step.fill_(Tensors.scalar(t));
        }
    }

    @Override
    public Map<String, Tensor> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    @Override
    public Map<String, Tensor> state() {
        return Collections.unmodifiableMap(state);
    }

    @Override
    public void loadState(Map<String, Tensor> saved) {
        OptimizerTensors.load(state, saved, key -> "AdamW entry '" + key + "' (a checkpoint trained with optimizer sgd holds momentum only)",
                key -> "AdamW entry '" + key + "'");
    }

    @Override
    public void close() {
        OptimizerTensors.release(parameters, state);
    }
}
