package org.plscj.model;

import static org.plscj.model.ConvSpec.conv;
import static org.plscj.model.NormStyle.ARCFACE;

import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * MobileFaceNet's inverted bottleneck: expand 1×1 (in → hidden) → BN → PReLU → depthwise 3×3
 * (stride) → BN → PReLU → project 1×1 (hidden → out) → BN, plus x when {@code residual}.
 */
final class DepthWise extends Block {
    private final List<ConvBn> layers;
    private final boolean residual;

    DepthWise(long in, long out, long hidden, long stride, boolean residual) {
        super("DepthWise");
        this.residual = residual;
        layers = List.of(
                ARCFACE.activated(conv(in, hidden, 1)),
                ARCFACE.activated(conv(hidden, hidden, 3).stride(stride).pad(1).groups(hidden)),
                ARCFACE.linear(conv(hidden, out, 1)));
        for (int i = 0; i < layers.size(); i++) {
            register_module("conv" + (i + 1), layers.get(i));
        }
    }

    @Override
    Tensor forward(Tensor x) {
        Tensor y = chain(layers, x);
        return residual ? y.add(x) : y;
    }

    @Override
    String exportTo(LayerGraph g, String x) {
        String y = chainExport(layers, g, x);
        return residual ? g.add(y, x) : y;
    }
}
