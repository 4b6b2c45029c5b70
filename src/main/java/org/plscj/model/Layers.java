package org.plscj.model;

import java.util.Arrays;
import org.bytedeco.pytorch.BatchNorm1dImpl;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.BatchNormOptions;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.LayerNormImpl;
import org.bytedeco.pytorch.LayerNormOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.LinearOptions;
import org.bytedeco.pytorch.LongOptional;
import org.bytedeco.pytorch.LongVector;
import org.bytedeco.pytorch.PReLUImpl;
import org.bytedeco.pytorch.PReLUOptions;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;

/**
 * Factories for the libtorch layers the backbones use, hiding the JavaCPP option objects, and the
 * one place that implements strided 1×1 convolutions.
 */
final class Layers {
    /** PyTorch's BatchNorm default. */
    static final double TORCH_BN_EPS = 1e-5;
    /** PyTorch's LayerNorm default. */
    static final double TORCH_LAYER_NORM_EPS = 1e-5;
    /** PReLU's slope before training (PyTorch's and Paddle's default). */
    static final double PRELU_INIT = 0.25;

    private Layers() {}

    /**
     * A bias-free convolution for {@code spec}. A strided 1×1 spec gets a stride-1 layer: its
     * caller must {@link #subsample} the input first (see {@link ConvBn}).
     */
    static Conv2dImpl conv(ConvSpec spec) {
        Conv2dOptions o = new Conv2dOptions(spec.in(), spec.out(), Native.pair(spec.kernel()));
        long stride = spec.isStridedPointwise() ? 1 : spec.stride();
        o.stride().put(new long[] {stride, stride});
        o.padding().put(Native.pair(spec.padding()));
        o.groups().put(spec.groups());
        o.bias().put(false);
        return new Conv2dImpl(o);
    }

    /**
     * x[:, :, ::s, ::s]: the pixels a 1×1 convolution of stride s reads.
     *
     * <p>why: oneDNN's backward of a strided 1×1 convolution kills the JVM with SIGFPE
     * (brgemm est_eff_1x1, e.g. 512→1024 channels, see shared/STACK.md). A 1×1 kernel reads exactly
     * one pixel per output, so conv1x1_stride_s(x) = conv1x1_stride_1(x[:, :, ::s, ::s]) holds
     * exactly, and the stride-1 form trains without crashing.
     */
    static Tensor subsample(Tensor x, long stride) {
        return x.slice(2, new LongOptional(0), new LongOptional(), stride)
                .slice(3, new LongOptional(0), new LongOptional(), stride);
    }

    static BatchNorm2dImpl batchNorm2d(long channels, double eps) {
        BatchNormOptions o = new BatchNormOptions(channels);
        o.eps().put(eps);
        return new BatchNorm2dImpl(o);
    }

    static BatchNorm1dImpl batchNorm1d(long features, double eps) {
        BatchNormOptions o = new BatchNormOptions(features);
        o.eps().put(eps);
        return new BatchNorm1dImpl(o);
    }

    /** PReLU with {@code slopes} learnable slopes (1 = one shared slope, as Paddle's mode "all"). */
    static PReLUImpl prelu(long slopes) {
        // why: new PReLUOptions(n) is JavaCPP's array allocator, not the C++ constructor
        PReLUOptions o = new PReLUOptions();
        o.num_parameters().put(slopes);
        o.init().put(PRELU_INIT);
        return new PReLUImpl(o);
    }

    /**
     * PReLU, y = max(0, x) + a·min(0, x) with the slopes {@code a} per channel (or one). In bfloat16 it runs as
     * y = x − (a − 1)·relu(−x): libtorch 2.10's bf16 prelu backward is a scalar loop (12 % of a MobileFaceNet bf16 step,
     * BENCHMARKS issue 12) while these kernels are vectorised. Autograd saves only relu(−x) (the mul's operand is the
     * relu's own output), one activation as the native op. Same gradients (∂y/∂x = 1 or a, ∂y/∂a = min(0, x)) except
     * ∂y/∂x at x = 0 exactly (1 here, a there); for x &lt; 0 the value is rounded twice (x + (a − 1)·x), within bf16's
     * own precision. fp32 keeps the native op (it is vectorised there).
     */
    static Tensor prelu(Tensor x, Tensor slopes) {
        if (Tensors.dtype(x) != ScalarType.BFloat16) {
            return torch.prelu(x, slopes);
        }
        long[] perChannel = new long[(int) x.dim()];
        Arrays.fill(perChannel, 1);
        perChannel[1] = slopes.numel();
        Tensor aMinusOne = slopes.to(ScalarType.BFloat16).sub(new Scalar(1.0)).view(perChannel);
        // why in place: the relu on its fresh negation, and the subtraction on the BatchNorm output (which BatchNorm's
        // backward does not read), keep the step's peak memory near the native op's
        return x.sub_(x.neg().relu_().mul(aMinusOne));
    }

    /** Exports an eval-mode BatchNorm2d. */
    static String export(LayerGraph g, String x, BatchNorm2dImpl bn) {
        return g.batchNorm(x, bn.weight(), bn.bias(), bn.running_mean(), bn.running_var(), bn.options().eps().get());
    }

    /** Exports an eval-mode BatchNorm1d. */
    static String export(LayerGraph g, String x, BatchNorm1dImpl bn) {
        return g.batchNorm(x, bn.weight(), bn.bias(), bn.running_mean(), bn.running_var(), bn.options().eps().get());
    }

    /** LayerNorm over the last dimension of width {@code features}, PyTorch's eps 1e-5 (arcface_torch's ViT keeps it). */
    static LayerNormImpl layerNorm(long features) {
        // why an array: new LongVector(n) would be a vector of n zeros (JavaCPP size constructor)
        LayerNormOptions o = new LayerNormOptions(new LongVector(new long[] {features}));
        o.eps().put(TORCH_LAYER_NORM_EPS);
        return new LayerNormImpl(o);
    }

    /** Exports a LayerNorm over the last dimension. */
    static String export(LayerGraph g, String x, LayerNormImpl ln) {
        return g.layerNorm(x, ln.weight(), ln.bias(), ln.options().eps().get());
    }

    static LinearImpl linear(long in, long out, boolean bias) {
        LinearOptions o = new LinearOptions(in, out);
        o.bias().put(bias);
        return new LinearImpl(o);
    }
}
