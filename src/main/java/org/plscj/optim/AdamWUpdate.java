package org.plscj.optim;

import static org.plscj.tensor.Tensors.scalar;

import org.bytedeco.pytorch.Tensor;

/**
 * torch.optim.AdamW's update of one tensor (amsgrad off), in the order of PyTorch's {@code _single_tensor_adamw}:
 * w ← w·(1 − lr·λ); m ← β₁m + (1 − β₁)g; v ← β₂v + (1 − β₂)g²; w ← w − lr/(1 − β₁ᵗ) · m / (√v / √(1 − β₂ᵗ) + ε).
 * The weight decay is decoupled: it shrinks w and never enters m or v. Holds nothing; the caller owns m and v
 * (same shape as w) and counts t. Call it without autograd recording (the caller's NoGradGuard for parameters).
 *
 * @param beta1 decay of the first moment m
 * @param beta2 decay of the second moment v
 * @param eps   added to the denominator
 */
public record AdamWUpdate(double beta1, double beta2, double eps) {
    /** torch.optim.AdamW's defaults, which arcface_torch's train_v2.py keeps: β = (0.9, 0.999), ε = 1e-8. */
    public static final AdamWUpdate TORCH_DEFAULTS = new AdamWUpdate(0.9, 0.999, 1e-8);

    public AdamWUpdate {
        if (!(beta1 >= 0 && beta1 < 1) || !(beta2 >= 0 && beta2 < 1) || !(eps > 0)) {
            throw new IllegalArgumentException("need betas in [0, 1) and eps > 0, got " + beta1 + ", " + beta2 + ", " + eps);
        }
    }

    /**
     * Updates {@code w}, {@code m} and {@code v} in place.
     *
     * @param grad        ∂loss/∂w
     * @param step        t, the 1-based number of this update (the bias corrections' exponent)
     */
    public void apply(Tensor w, Tensor grad, Tensor m, Tensor v, double lr, double weightDecay, long step) {
        if (step < 1) {
            throw new IllegalArgumentException("AdamW's step count starts at 1, got " + step);
        }
        if (weightDecay != 0) {
            w.mul_(scalar(1 - lr * weightDecay));
        }
        m.lerp_(grad, scalar(1 - beta1));
        v.mul_(scalar(beta2)).addcmul_(grad, grad, scalar(1 - beta2));
        double correction1 = 1 - Math.pow(beta1, step);
        double correction2 = 1 - Math.pow(beta2, step);
        Tensor denominator = v.sqrt().div_(scalar(Math.sqrt(correction2))).add_(scalar(eps));
        w.addcdiv_(m, denominator, scalar(-lr / correction1));
    }
}
