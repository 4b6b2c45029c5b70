package org.plscj.model;

import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.PReLUImpl;
import org.bytedeco.pytorch.Tensor;

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
        // a strided 1×1 conv is built with stride 1: feed it only the pixels it would read
        Tensor in = spec.isStridedPointwise() ? Layers.subsample(x, spec.stride()) : x;
        Tensor z = FewChannelGroupConv.appliesTo(spec) ? FewChannelGroupConv.forward(in, conv.weight(), spec)
                : conv.forward(in);
        Tensor y = bn.forward(z);
        return prelu == null ? y : Layers.prelu(y, prelu.weight());
    }

    @Override
    String exportTo(LayerGraph g, String x) {
        // the graph holds the strided 1×1 convolution itself: same math as subsample + stride 1 (see Layers)
        String z = g.conv(x, conv.weight(), spec.stride(), spec.padding(), spec.groups());
        String y = Layers.export(g, z, bn);
        return prelu == null ? y : g.prelu(y, prelu.weight());
    }
}
