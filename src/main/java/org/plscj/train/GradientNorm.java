package org.plscj.train;

import static org.plscj.tensor.Tensors.scalar;

import java.util.Map;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.plscj.tensor.Tensors;

/**
 * The backbone's global gradient norm and {@code torch.nn.utils.clip_grad_norm_}'s clipping. Used after
 * {@link GradientSync#sumGradients}: every worker then holds the same summed gradient, so the norm computed
 * locally is the global one on every worker, without another collective, and every worker decides alike.
 */
final class GradientNorm {
    /** torch's clip_grad_norm_ guard against dividing by a zero norm. */
    private static final double EPS = 1e-6;

    private GradientNorm() {}

    /** ‖g‖₂ = √Σ_p ‖∇p‖²  over the parameters' gradients (a parameter without a gradient counts as zero). */
    static double of(Map<String, Tensor> parameters) {
        double sumOfSquares = 0;
        for (Tensor p : parameters.values()) {
            Tensor g = p.grad();
            if (g.defined()) {
                // why double: a float32 sum of squares overflows at ‖g‖ ≈ 1.8e19 while every element is finite
                double n = g.norm().item_double();
                sumOfSquares += n * n;
            }
        }
        return Math.sqrt(sumOfSquares);
    }

    /** The first parameter, in registration order, whose gradient holds NaN or Inf; null when every one is finite. */
    static String firstNonFinite(Map<String, Tensor> parameters) {
        for (Map.Entry<String, Tensor> e : parameters.entrySet()) {
            Tensor g = e.getValue().grad();
            if (g.defined() && !Tensors.allFinite(g)) {
                return e.getKey();
            }
        }
        return null;
    }

    /** clip_grad_norm_: g ← g · maxNorm/(‖g‖ + 1e-6) when that factor is below 1; otherwise unchanged. */
    static void clip(Map<String, Tensor> parameters, double norm, double maxNorm) {
        double factor = maxNorm / (norm + EPS);
        if (factor >= 1) {
            return;
        }
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (Tensor p : parameters.values()) {
                Tensor g = p.grad();
                if (g.defined()) {
                    g.mul_(scalar(factor));
                }
            }
        }
    }
}
