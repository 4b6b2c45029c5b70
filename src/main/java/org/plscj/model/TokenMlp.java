package org.plscj.model;

import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** A transformer block's feed-forward part on every token: fc2(ReLU6(fc1(x))) (arcface_torch {@code Mlp}: ReLU6, not GELU). */
final class TokenMlp extends Block {
    private final LinearImpl fc1;
    private final LinearImpl fc2;

    TokenMlp(long dim, long hidden) {
        super("TokenMlp");
        fc1 = register_module("fc1", Layers.linear(dim, hidden, true));
        fc2 = register_module("fc2", Layers.linear(hidden, dim, true));
    }

    @Override
    Tensor forward(Tensor x) {
        return fc2.forward(torch.relu6(fc1.forward(x)));
    }

    @Override
    String exportTo(LayerGraph g, String x) {
        return g.tokenLinear(g.relu6(g.tokenLinear(x, fc1.weight(), fc1.bias())), fc2.weight(), fc2.bias());
    }
}
