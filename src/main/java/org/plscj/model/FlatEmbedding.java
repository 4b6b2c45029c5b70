package org.plscj.model;

import org.bytedeco.pytorch.BatchNorm1dImpl;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/**
 * The residual networks' embedding layer ("E" output of the ArcFace paper):
 * e = BN1d(W · flatten(dropout(BN2d(x))) + b), x [B, C, 7, 7] → e [B, embDim].
 */
final class FlatEmbedding extends Block {
    private final BatchNorm2dImpl bn;
    private final LinearImpl fc;
    private final BatchNorm1dImpl features;
    private final double dropout;

    /**
     * @param frozenScale fix the output BN's γ at 1 and leave it out of training, as
     *     arcface_torch does (then only its shift β and running statistics remain)
     */
    FlatEmbedding(long channels, long pixels, int embDim, double eps, double dropout, boolean frozenScale) {
        super("FlatEmbedding");
        this.dropout = dropout;
        bn = register_module("bn", Layers.batchNorm2d(channels, eps));
        fc = register_module("fc", Layers.linear(channels * pixels, embDim, true));
        features = register_module("features", Layers.batchNorm1d(embDim, eps));
        if (frozenScale) {
            try (NoGradGuard noGrad = new NoGradGuard()) {
                features.weight().fill_(new Scalar(1.0));
            }
            features.weight().requires_grad_(false);
        }
    }

    @Override
    Tensor forward(Tensor x) {
        Tensor y = bn.forward(x).flatten(1, -1);
        if (dropout > 0) {
            y = torch.dropout(y, dropout, is_training());
        }
        return features.forward(fc.forward(y));
    }

    /** Dropout is the identity in eval mode: it does not appear in the graph. */
    @Override
    String exportTo(LayerGraph g, String x) {
        String y = g.flatten(Layers.export(g, x, bn));
        return Layers.export(g, g.linear(y, fc.weight(), fc.bias()), features);
    }
}
