package org.plscj.head;

import static org.plscj.tensor.Tensors.scalar;

import org.bytedeco.pytorch.ScalarOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The margin family applied to the true class: ψ(cos θ) = cos(m1·θ + m2) − m3, logits scaled by s.
 * arcface (1, m, 0), cosface (1, 0, m), sphereface (m, 0, 0), combined (m1, m2, m3).
 *
 * <p>Where m1·θ + m2 would pass π the cosine stops decreasing, so the target logit would rise
 * again; there ψ(t) = t − m3 − κ instead, with κ = m2·sin m2 when m1 = 1 (insightface's ArcFace
 * rule, so our numbers equal theirs) and otherwise κ = 1 + cos θ_max, θ_max = (π − m2)/m1, which
 * makes ψ continuous. The cosine is clamped to [−1 + 1e-6, 1 − 1e-6] so acos and its derivative
 * stay finite. {@link #psiDerivative} is the exact derivative (PLSC's), which the head uses unless
 * {@link MarginGradient#STRAIGHT_THROUGH} (arcface_torch's) is chosen.
 */
public record Margin(double m1, double m2, double m3, double scale) {
    static final double CLAMP = 1e-6;

    public Margin {
        if (!(m1 > 0) || m2 < 0 || m3 < 0 || !(scale > 0)) {
            throw new IllegalArgumentException("margins need m1 > 0, m2 >= 0, m3 >= 0 and scale > 0; got m1=" + m1
                    + " m2=" + m2 + " m3=" + m3 + " scale=" + scale);
        }
    }

    /** κ: the drop of the linear continuation past θ_max. */
    double kappa() {
        return m1 == 1.0 ? m2 * Math.sin(m2) : 1 + Math.cos((Math.PI - m2) / m1);
    }

    private static Tensor clamped(Tensor cos) {
        return cos.clamp(new ScalarOptional(scalar(-1 + CLAMP)), new ScalarOptional(scalar(1 - CLAMP)));
    }

    /** ψ(t) for a vector of target cosines t. */
    public Tensor psi(Tensor cos) {
        Tensor t = clamped(cos);
        Tensor angle = t.acos().mul(scalar(m1)).add(scalar(m2));
        Tensor inRange = angle.le(scalar(Math.PI));
        // ψ = cos(m1·θ + m2) − m3 inside, t − m3 − κ beyond π
        return torch.where(inRange, angle.cos(), t.sub(scalar(kappa()))).sub(scalar(m3));
    }

    /**
     * dψ/dt for a vector of target cosines t: m1·sin(m1·θ + m2)/sin θ inside, 1 beyond π, and 0
     * where the clamp is active (as autograd differentiates the clamp).
     */
    public Tensor psiDerivative(Tensor cos) {
        Tensor t = clamped(cos);
        Tensor theta = t.acos();
        Tensor angle = theta.mul(scalar(m1)).add(scalar(m2));
        Tensor inside = angle.sin().mul(scalar(m1)).div(theta.sin());
        Tensor slope = torch.where(angle.le(scalar(Math.PI)), inside, torch.ones_like(t));
        Tensor unclamped = cos.ge(scalar(-1 + CLAMP)).logical_and(cos.le(scalar(1 - CLAMP)));
        return torch.where(unclamped, slope, torch.zeros_like(t));
    }
}
