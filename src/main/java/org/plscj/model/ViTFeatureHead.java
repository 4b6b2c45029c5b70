package org.plscj.model;

import org.bytedeco.pytorch.BatchNorm1dImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Tensor;

/**
 * The Vision Transformer's embedding from its flattened tokens [B, L·D] (arcface_torch's {@code feature}
 * Sequential): e = BN₂(W₂ · BN₁(W₁ · x)), bias-free linear layers L·D → D → embDim, BatchNorm eps 2e-5. Its layers
 * are named 0 to 3, as their positions in that Sequential, so arcface_torch's state_dict names apply unchanged.
 */
final class ViTFeatureHead extends Block {
    /** arcface_torch's BatchNorm1d eps in the ViT feature head. */
    private static final double EPS = 2e-5;

    private final LinearImpl reduce;
    private final BatchNorm1dImpl reduceNorm;
    private final LinearImpl embed;
    private final BatchNorm1dImpl embedNorm;

    ViTFeatureHead(long flatTokens, long dim, int embDim) {
        super("ViTFeatureHead");
        reduce = register_module("0", Layers.linear(flatTokens, dim, false));
        reduceNorm = register_module("1", Layers.batchNorm1d(dim, EPS));
        embed = register_module("2", Layers.linear(dim, embDim, false));
        embedNorm = register_module("3", Layers.batchNorm1d(embDim, EPS));
    }

    @Override
    Tensor forward(Tensor flat) {
        return embedNorm.forward(embed.forward(reduceNorm.forward(reduce.forward(flat))));
    }

    @Override
    String exportTo(LayerGraph g, String flat) {
        String reduced = Layers.export(g, g.linear(flat, reduce.weight(), null), reduceNorm);
        return Layers.export(g, g.linear(reduced, embed.weight(), null), embedNorm);
    }
}
