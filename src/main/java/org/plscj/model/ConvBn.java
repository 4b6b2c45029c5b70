package org.plscj.model;

import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.PReLUImpl;
import org.bytedeco.pytorch.Tensor;
import org.plscj.tensor.Autocast;

/** conv (no bias) → BatchNorm2d → optional PReLU: the unit every backbone here is built from. */
final class ConvBn extends Block {
    private final ConvSpec spec;
    private final Conv2dImpl conv;
    private final BatchNorm2dImpl bn;
    private final PReLUImpl prelu;

    ConvBn(ConvSpec spec, double eps, Activation activation) {
        super("ConvBn");
        this.spec = spec;
        conv = register_module("conv", Layers.conv(spec));
        bn = register_module("bn", Layers.batchNorm2d(spec.out(), eps));
        prelu = switch (activation) {
            case NONE -> null;
            case PRELU_PER_CHANNEL -> register_module("prelu", Layers.prelu(spec.out()));
            case PRELU_SHARED -> register_module("prelu", Layers.prelu(1));
        };
    }

    @Override
    Tensor forward(Tensor x) {
        Tensor y = bn.forward(convolve(x));
        return prelu == null ? y : Layers.prelu(y, prelu.weight());
    }

    /** The convolution alone, by the fastest route for its shape and precision. */
    Tensor convolve(Tensor x) {
        if (spec.isStridedPointwise()) {
            // built with stride 1: feed it only the pixels it would read
            return conv.forward(Layers.subsample(x, spec.stride()));
        }
        if (FewChannelGroupConv.appliesTo(spec)) {
            return FewChannelGroupConv.forward(x, conv.weight(), spec);
        }
        if (spec.isStridedDepthwise()) {
            // why float32 under bf16 autocast: libtorch 2.10's bf16 backward of a strided depthwise conv (oneDNN's
            // brgemm_convolution_bwd_strided) takes 4-9x its float32 time here, e.g. 128 ch 56→28 at batch 64,
            // fwd+bwd 289 ms in bf16, 76 ms in float32 with both casts (BENCHMARKS.md, issue 12 continued)
            return Autocast.inFloat32(x, conv::forward);
        }
        return conv.forward(x);
    }

    @Override
    String exportTo(LayerGraph g, String x) {
        // the graph holds the strided 1×1 convolution itself: same math as subsample + stride 1 (see Layers)
        String z = g.conv(x, conv.weight(), spec.stride(), spec.padding(), spec.groups());
        String y = Layers.export(g, z, bn);
        return prelu == null ? y : g.prelu(y, prelu.weight());
    }
}
