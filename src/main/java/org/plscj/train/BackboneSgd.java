package org.plscj.train;

import static org.plscj.tensor.Tensors.scalar;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.tensor.Scoped;

/**
 * The backbone's optimizer: exactly {@code torch.optim.SGD(momentum=μ, weight_decay=λ)} (no dampening, no
 * Nesterov), PLSC's Momentum optimizer with L2 decay. The momentum buffers are ours, held by parameter name,
 * so a checkpoint stores them as a plain {@code name → tensor} dict that PyTorch users can read.
 * Parameters that do not require a gradient (e.g. IResNet's fixed feature-BN scale) are left alone.
 */
public final class BackboneSgd implements BackboneOptimizer {
    private final Map<String, Tensor> parameters;
    private final Map<String, Tensor> momentum = new LinkedHashMap<>();
    private final double mu;
    private final double weightDecay;

    public BackboneSgd(Module backbone, double momentum, double weightDecay) {
        this.mu = momentum;
        this.weightDecay = weightDecay;
        this.parameters = OptimizerTensors.trainable(backbone);
        parameters.forEach((name, p) -> this.momentum.put(name, Scoped.hold(torch.zeros_like(p))));
    }

    /** g ← ∇p + λ·p;  v ← μ·v + g;  p ← p − lr·v   (torch.optim.SGD, v₀ = 0 gives its v₁ = g) */
    @Override
    public void step(double lr) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
                Tensor p = e.getValue();
                Tensor grad = p.grad();
                if (!grad.defined()) {
                    continue;
                }
                Tensor g = weightDecay == 0 ? grad : grad.add(p, scalar(weightDecay));
                Tensor v = momentum.get(e.getKey());
                v.mul_(scalar(mu)).add_(g);
                p.sub_(v, scalar(lr));
            }
        }
    }

    @Override
    public Map<String, Tensor> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** The momentum buffers by parameter name (live tensors: copy before keeping them). */
    public Map<String, Tensor> momentum() {
        return Collections.unmodifiableMap(momentum);
    }

    /** The momentum buffers, keyed by parameter name as before AdamW existed, so older checkpoints load unchanged. */
    @Override
    public Map<String, Tensor> state() {
        return momentum();
    }

    @Override
    public void loadState(Map<String, Tensor> saved) {
        loadMomentum(saved);
    }

    /** Replaces the momentum buffers with saved ones; every trainable parameter must have one of its shape. */
    public void loadMomentum(Map<String, Tensor> saved) {
        OptimizerTensors.load(momentum, saved, name -> "momentum for parameter '" + name + "'", name -> "momentum of '" + name + "'");
    }

    @Override
    public void close() {
        OptimizerTensors.release(parameters, momentum);
    }
}
