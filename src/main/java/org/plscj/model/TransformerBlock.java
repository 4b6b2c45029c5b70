package org.plscj.model;

import org.bytedeco.pytorch.LayerNormImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.tensor.Tensors;

/**
 * A pre-norm transformer block (arcface_torch {@code Block} with {@code norm_layer="ln"}):
 * <pre>
 *   x ← x + drop_path(attn(LN₁(x)))
 *   x ← x + drop_path(mlp(LN₂(x)))
 * </pre>
 * drop_path (stochastic depth, training only): each sample's branch is kept with probability 1 − p and then scaled by
 * 1/(1 − p), so its expectation is the branch itself, as timm's {@code DropPath}; in eval mode it is the identity.
 */
final class TransformerBlock extends Block {
    private final LayerNormImpl norm1;
    private final SelfAttention attn;
    private final LayerNormImpl norm2;
    private final TokenMlp mlp;
    private final double dropPath;

    TransformerBlock(long dim, long heads, long hidden, double dropPath) {
        super("TransformerBlock");
        this.dropPath = dropPath;
        // why both norms first: arcface_torch registers them so, and plsc import pairs modules in registration order
        norm1 = register_module("norm1", Layers.layerNorm(dim));
        norm2 = register_module("norm2", Layers.layerNorm(dim));
        attn = register_module("attn", new SelfAttention(dim, heads));
        mlp = register_module("mlp", new TokenMlp(dim, hidden));
    }

    @Override
    Tensor forward(Tensor x) {
        Tensor y = x.add(dropPath(attn.forward(norm1.forward(x))));
        return y.add(dropPath(mlp.forward(norm2.forward(y))));
    }

    private Tensor dropPath(Tensor branch) {
        if (dropPath == 0 || !is_training()) {
            return branch;
        }
        double keep = 1 - dropPath;
        // one draw per sample: ⌊(1 − p) + U(0, 1)⌋ is 1 with probability 1 − p; the [B, 1, 1] mask is 0 or 1/(1 − p)
        Tensor kept = torch.rand_like(branch.narrow(1, 0, 1).narrow(2, 0, 1)).add_(Tensors.scalar(keep)).floor_();
        return branch.mul(kept.div_(Tensors.scalar(keep)));
    }

    @Override
    String exportTo(LayerGraph g, String x) {
        String y = g.add(x, attn.exportTo(g, Layers.export(g, x, norm1)));
        return g.add(y, mlp.exportTo(g, Layers.export(g, y, norm2)));
    }
}
