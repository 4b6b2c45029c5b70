package org.plscj.model;

import static org.plscj.model.ConvSpec.conv;
import static org.plscj.model.NormStyle.ARCFACE;

import org.bytedeco.pytorch.BatchNorm1dImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Tensor;

/**
 * MobileFaceNet's GDC embedding: a 7×7 depthwise conv (one weight per pixel and channel instead
 * of average pooling) → BN → FC(512 → embDim, no bias) → BN1d.
 */
final class GlobalDepthwiseEmbedding extends Block {
    private final ConvBn pool;
    private final LinearImpl fc;
    private final BatchNorm1dImpl features;

    GlobalDepthwiseEmbedding(long channels, int embDim) {
        super("GDC");
        pool = register_module("pool", ARCFACE.linear(conv(channels, channels, 7).groups(channels)));
        fc = register_module("fc", Layers.linear(channels, embDim, false));
        features = register_module("features", Layers.batchNorm1d(embDim, Layers.TORCH_BN_EPS));
    }

    @Override
    Tensor forward(Tensor x) {
        return features.forward(fc.forward(pool.forward(x).flatten(1, -1)));
    }

    @Override
    String exportTo(LayerGraph g, String x) {
        String pooled = g.flatten(pool.exportTo(g, x));
        return Layers.export(g, g.linear(pooled, fc.weight(), null), features);
    }
}
