package org.plscj.model;

import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.tensor.Autocast;

/**
 * Multi-head self-attention over tokens [B, L, D] (arcface_torch {@code Attention}, qkv without bias):
 * <pre>
 *   [q k v] = x · W_qkvᵀ, split into h heads of d = D/h features
 *   head_i  = softmax(q_i · k_iᵀ / √d) · v_i
 *   y       = [head_1 … head_h] · W_projᵀ + b_proj
 * </pre>
 */
final class SelfAttention extends Block {
    private final LinearImpl qkv;
    private final LinearImpl proj;
    private final long heads;

    SelfAttention(long dim, long heads) {
        super("SelfAttention");
        this.heads = heads;
        qkv = register_module("qkv", Layers.linear(dim, 3 * dim, false));
        proj = register_module("proj", Layers.linear(dim, dim, true));
    }

    @Override
    Tensor forward(Tensor x) {
        long b = x.size(0);
        long l = x.size(1);
        long dim = x.size(2);
        // [B, L, 3D] → [B, L, 3, h, d] → [3, B, h, L, d]
        Tensor qkvByHead = qkv.forward(x).view(b, l, 3, heads, dim / heads).permute(2, 0, 3, 1, 4);
        // why the fused kernel: softmax(q·kᵀ/√d)·v in one pass, without keeping the [B, h, L, L] scores for backward.
        // why float32 under bf16 autocast: as arcface_torch (autocast off, q, k, v .float()); here libtorch's bf16 CPU
        // kernel is also 7× slower than its fp32 one (vit_t shapes, BENCHMARKS.md)
        Tensor attended = Autocast.off(() -> torch.scaled_dot_product_attention(Autocast.float32(qkvByHead.select(0, 0)),
                Autocast.float32(qkvByHead.select(0, 1)), Autocast.float32(qkvByHead.select(0, 2))));
        // [B, h, L, d] → [B, L, h, d] → [B, L, D]
        return proj.forward(attended.transpose(1, 2).reshape(b, l, dim));
    }

    @Override
    String exportTo(LayerGraph g, String x) {
        String attended = g.attention(g.tokenLinear(x, qkv.weight(), null), heads);
        return g.tokenLinear(attended, proj.weight(), proj.bias());
    }
}
