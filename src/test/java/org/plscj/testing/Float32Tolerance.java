package org.plscj.testing;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * How far two float32 evaluations of one computation may lie apart when they run on different kernels.
 * oneDNN and OpenBLAS choose kernels per CPU (AVX2, AVX-512, AVX512-BF16/FP16, per batch size), and each
 * kernel sums in its own order, so equal code gives results that differ in the last bits from machine to
 * machine. A test that compares such results must allow for that, and only for that.
 *
 * <p>The bound, relative to the largest magnitude of the reference values:
 * <pre>
 *   tolerance = SAFETY · √K · u · L
 * </pre>
 * u = 2⁻²⁴ is float32's unit roundoff. A sum of K products accumulated in any order is within γ_K ≈ K·u of
 * the exact value relative to Σ|aᵢbᵢ| in the worst case, and within about √K·u when the rounding errors are
 * independent (Higham, <i>Accuracy and Stability of Numerical Algorithms</i>, 2nd ed., §2.8 and §3.1 — the
 * blocked and tree orders of vectorised kernels are the benign case). Each of L layers adds one such error
 * relative to its output's scale; the layers between (BatchNorm in eval mode, PReLU, residual adds, pooling)
 * carry it forward without amplifying it by more than their own gain, so the output's relative error grows
 * about linearly in L. K is the layer's largest reduction (fan-in, e.g. 3·3·512 = 4608 for a 3×3 conv over
 * 512 channels). SAFETY = 8 covers a Σ|aᵢbᵢ| larger than the result (cancellation) and the few layers whose
 * gain exceeds 1.
 *
 * <p>What it still catches: a wrong, missing or transposed weight, a skipped layer or a different formula
 * changes outputs by a fraction of their own size, orders of magnitude above this bound (for IResNet50,
 * L = 50, K = 4608: 1.6e-3 of the largest output).
 */
public final class Float32Tolerance {
    /** float32's unit roundoff, 2⁻²⁴. */
    public static final double UNIT_ROUNDOFF = 0x1p-24;
    private static final double SAFETY = 8;

    private Float32Tolerance() {}

    /**
     * The largest acceptable |a − b| divided by max |reference| for a computation of {@code depth} layers in
     * float32 whose largest reduction sums {@code fanIn} terms.
     */
    public static double relative(int depth, long fanIn) {
        if (depth < 1 || fanIn < 1) {
            throw new IllegalArgumentException("depth and fanIn must be positive, got " + depth + " and " + fanIn);
        }
        return SAFETY * Math.sqrt(fanIn) * UNIT_ROUNDOFF * depth;
    }

    /**
     * {@link #relative} for a whole network: L = its number of weight tensors of rank ≥ 2 (convolutions and
     * linear layers; parallel shortcuts counted too, which only loosens the bound), K = the largest fan-in
     * among them (a weight [out, in/groups, k, k] sums in/groups·k·k terms per output).
     */
    public static double relative(Module network) {
        int depth = 0;
        long fanIn = 1;
        try (PointerScope scope = new PointerScope()) {
            for (Tensor w : network.parameters(true).get()) {
                if (w.dim() >= 2) {
                    depth++;
                    fanIn = Math.max(fanIn, w.numel() / w.size(0));
                }
            }
        }
        return relative(Math.max(depth, 1), fanIn);
    }

    /** The bound in the values' own units: {@link #relative} times the reference's largest magnitude. */
    public static double absolute(int depth, long fanIn, double referenceScale) {
        return relative(depth, fanIn) * referenceScale;
    }

    /**
     * True when {@code difference} (a max |a − b|) is within the bound for values of scale {@code referenceScale}.
     * A non-finite difference or scale is never within it.
     */
    public static boolean within(double difference, int depth, long fanIn, double referenceScale) {
        return Double.isFinite(difference) && Double.isFinite(referenceScale) && difference <= absolute(depth, fanIn, referenceScale);
    }

    /** A message for a failed comparison: the difference, the bound and how it was derived. */
    public static String describe(String what, double difference, int depth, long fanIn, double referenceScale) {
        return String.format("%s: max |a − b| = %.3g exceeds %.3g (= 8·√%d·2⁻²⁴·%d layers × max |reference| %.3g)", what, difference,
                absolute(depth, fanIn, referenceScale), fanIn, depth, referenceScale);
    }
}
