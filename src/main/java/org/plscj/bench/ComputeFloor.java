package org.plscj.bench;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.plscj.model.Backbone;
import org.plscj.model.ForwardCost;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;

/**
 * The least time a training step of a backbone can take on this worker: its training FLOPs per step (3 × the forward
 * MACs × 2, {@link ForwardCost}) at the rate oneDNN reaches on one plain convolution timed here, in the same process and
 * precision. BatchNorm, PReLU, the head and the update are not in it, so a step approaches it but never reaches it;
 * {@code ratio_to_floor} = step / floor says how far away it is (1 / ratio = fraction of the measured peak).
 *
 * @param macsPerImage forward multiply-accumulates of one image
 * @param peakGflops   10⁹ flop/s of the reference convolution's forward pass
 * @param bf16         whether the reference ran in bf16 (channels-last: oneDNN's fastest bf16 layout, so the floor is
 *                     the best this CPU does, not what an NCHW step's reorders allow)
 */
public record ComputeFloor(long macsPerImage, double peakGflops, boolean bf16) {
    /** Timed runs of the reference convolution, each after one untimed run. */
    private static final int REPS = 5;
    /**
     * The reference: 3×3, 64 → 64 channels, 56×56, batch 32 (an IResNet first-stage layer; the shape the issue
     * measured at ≈ 320 GFLOP/s on a 2-vCPU AVX-512 Xeon).
     */
    private static final long BATCH = 32;
    /** The reference convolution, as reports name it. */
    public static final String REFERENCE = "3x3 conv 64ch 56x56 batch 32, forward";
    private static final long CHANNELS = 64;
    private static final long SIDE = 56;

    public static ComputeFloor measure(Backbone backbone, boolean bf16) {
        return new ComputeFloor(ForwardCost.perImage(backbone).macs(), referenceGflops(bf16), bf16);
    }

    private static double referenceGflops(boolean bf16) {
        return Scoped.compute(() -> {
            Tensor x = Tensors.randn(Placement.CPU_FLOAT, BATCH, CHANNELS, SIDE, SIDE);
            Tensor w = Tensors.randn(Placement.CPU_FLOAT, CHANNELS, CHANNELS, 3, 3);
            if (bf16) {
                x = Tensors.channelsLast(x).to(ScalarType.BFloat16);
                w = Tensors.channelsLast(w).to(ScalarType.BFloat16);
            }
            Tensor input = x;
            Tensor weight = w;
            long[] one = {1, 1};
            double ms = Timing.medianMillis(REPS, () -> torch.conv2d(input, weight, new TensorOptional(), one, one, one, 1));
            double flops = 2.0 * BATCH * CHANNELS * CHANNELS * 9 * SIDE * SIDE;
            return flops / (ms * 1e6);
        });
    }

    /** Training flops of one image: forward, input gradient and weight gradient, 2 flops per MAC each. */
    public double trainingFlopsPerImage() {
        return 3.0 * 2 * macsPerImage;
    }

    /** The floor of a step of {@code batch} images, ms. */
    public double floorMs(int batch) {
        return trainingFlopsPerImage() * batch / (peakGflops * 1e6);
    }
}
