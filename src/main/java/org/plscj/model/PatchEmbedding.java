package org.plscj.model;

import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.Tensor;
import org.plscj.tensor.Native;

/**
 * Images [B, 3, H, W] → tokens [B, L, D]: a stride-p convolution with p×p kernels (and a bias) maps each p×p patch to
 * D features, and the patches, read row by row, become the sequence (arcface_torch {@code PatchEmbed}).
 */
final class PatchEmbedding extends Block {
    private final Conv2dImpl proj;
    private final long patch;

    PatchEmbedding(long patch, long dim) {
        super("PatchEmbedding");
        this.patch = patch;
        Conv2dOptions o = new Conv2dOptions(3, dim, Native.pair(patch));
        o.stride().put(new long[] {patch, patch});
        proj = register_module("proj", new Conv2dImpl(o));
    }

    @Override
    Tensor forward(Tensor images) {
        // [B, D, h, w] → [B, D, h·w] → [B, h·w, D]
        return proj.forward(images).flatten(2, -1).transpose(1, 2);
    }

    @Override
    String exportTo(LayerGraph g, String images) {
        return g.addConstant(g.tokens(g.conv(images, proj.weight(), patch, 0, 1)), proj.bias());
    }
}
