package org.plscj.train;

import static org.plscj.tensor.Tensors.scalar;
import static org.plscj.tensor.Tensors.shape;

import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.StringTensorDict;
import org.bytedeco.pytorch.StringTensorDictItem;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.tensor.Scoped;

/**
 * The backbone's optimizer: exactly {@code torch.optim.SGD(momentum=μ, weight_decay=λ)} (no dampening, no
 * Nesterov), PLSC's Momentum optimizer with L2 decay. The momentum buffers are ours, held by parameter name,
 * so a checkpoint stores them as a plain {@code name → tensor} dict that PyTorch users can read.
 * Parameters that do not require a gradient (e.g. IResNet's fixed feature-BN scale) are left alone.
 */
public final class BackboneSgd implements AutoCloseable {
    private final Map<String, Tensor> parameters = new LinkedHashMap<>();
    private final Map<String, Tensor> momentum = new LinkedHashMap<>();
    private final double mu;
    private final double weightDecay;

    public BackboneSgd(Module backbone, double momentum, double weightDecay) {
        this.mu = momentum;
        this.weightDecay = weightDecay;
        StringTensorDict named = backbone.named_parameters(true);
        for (long i = 0; i < named.size(); i++) {
            StringTensorDictItem item = named.get(i);
            if (item.value().requires_grad()) {
                String name = item.key().getString();
                // why a handle of its own: value() points INTO the temporary dict (a SIGSEGV under glibc malloc)
                Tensor p = Scoped.holdHandle(item.value());
                parameters.put(name, p);
                this.momentum.put(name, Scoped.hold(torch.zeros_like(p)));
            }
        }
    }

    /** g ← ∇p + λ·p;  v ← μ·v + g;  p ← p − lr·v   (torch.optim.SGD, v₀ = 0 gives its v₁ = g) */
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

    /** The trainable parameters by name (live tensors). */
    public Map<String, Tensor> parameters() {
        return Collections.unmodifiableMap(parameters);
    }

    /** The momentum buffers by parameter name (live tensors: copy before keeping them). */
    public Map<String, Tensor> momentum() {
        return Collections.unmodifiableMap(momentum);
    }

    /** Replaces the momentum buffers with saved ones; every trainable parameter must have one of its shape. */
    public void loadMomentum(Map<String, Tensor> saved) {
        for (Map.Entry<String, Tensor> e : momentum.entrySet()) {
            Tensor s = saved.get(e.getKey());
            if (s == null) {
                throw new IllegalArgumentException("the saved optimizer state has no momentum for parameter '" + e.getKey() + "'");
            }
            if (!Arrays.equals(shape(s), shape(e.getValue()))) {
                throw new IllegalArgumentException("the saved momentum of '" + e.getKey() + "' has shape "
                        + Arrays.toString(shape(s)) + ", the parameter " + Arrays.toString(shape(e.getValue())));
            }
            try (NoGradGuard noGrad = new NoGradGuard()) {
                e.getValue().copy_(s);
            }
        }
    }

    @Override
    public void close() {
        parameters.values().forEach(Scoped::release);
        momentum.values().forEach(Scoped::release);
        parameters.clear();
        momentum.clear();
    }
}
