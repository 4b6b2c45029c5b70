package org.plscj.model;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.LayerNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.tensor.Scoped;

/**
 * arcface_torch's Vision Transformer for 112×112 faces ({@code vit_t}, {@code vit_s}; written from
 * insightface {@code recognition/arcface_torch/backbones/vit.py}, {@code VisionTransformer} with {@code norm_layer="ln"}):
 * <pre>
 *   x = PatchEmbed(images) + pos_embed          [B, L, D], L = (112/9)² = 144 tokens
 *   x = Block_depth(… Block_1(x))              pre-norm self-attention + ReLU6 MLP (TransformerBlock)
 *   e = feature(flatten(LN(x)))                 [B, L·D] → Linear → BN → Linear → BN → [B, embDim]
 * </pre>
 * No class token: every token reaches the embedding through the flattening. Its state_dict names are
 * arcface_torch's ({@code pos_embed}, {@code patch_embed.proj.weight}, {@code blocks.3.attn.qkv.weight},
 * {@code feature.1.running_var}, …), so their {@code backbone.pth} loads by name as well as by {@code plsc import}'s
 * module pairing. Initialisation as theirs: linear weights, {@code pos_embed} and {@code mask_token} N(0, 0.02²),
 * linear biases 0; the patch convolution keeps PyTorch's default.
 */
public final class VisionTransformer extends Backbone {
    private final PatchEmbedding patchEmbed;
    private final Tensor posEmbed;
    /** Held for the module's life: libtorch calls back into it (train(), eval()), and a collected Java peer is an NPE. */
    private final Module blockList;
    private final List<TransformerBlock> blocks = new ArrayList<>();
    private final LayerNormImpl norm;
    private final ViTFeatureHead feature;

    VisionTransformer(String modelName, int embDim, ViTRecipe recipe) {
        super(modelName, embDim);
        long tokens = recipe.tokens();
        // why a handle of its own: register_parameter returns a reference into the module's parameter list, which moves
        // when the next parameter is registered; the handle shares the parameter for the module's life
        posEmbed = Scoped.holdHandle(register_parameter("pos_embed", torch.zeros(1, tokens, recipe.dim())));
        // why kept and frozen: only random token masking (mask_ratio > 0, not implemented, see ViTRecipe) reads it; it is
        // in their state_dicts, and a parameter that never gets a gradient must not be trained
        register_parameter("mask_token", torch.zeros(1, 1, recipe.dim()), false);
        patchEmbed = register_module("patch_embed", new PatchEmbedding(recipe.patch(), recipe.dim()));
        // why a plain Module: it names the blocks 0, 1, … under "blocks", as arcface_torch's ModuleList
        blockList = register_module("blocks", new Module("ModuleList"));
        for (int i = 0; i < recipe.depth(); i++) {
            TransformerBlock block = new TransformerBlock(recipe.dim(), recipe.heads(), recipe.hidden(), recipe.dropPath(i));
            blocks.add(blockList.register_module(String.valueOf(i), block));
        }
        norm = register_module("norm", Layers.layerNorm(recipe.dim()));
        feature = register_module("feature", new ViTFeatureHead(tokens * recipe.dim(), recipe.dim(), embDim));
        WeightInit.VIT.apply(this);
    }

    @Override
    public Tensor forward(Tensor images) {
        Tensor x = Block.chain(blocks, patchEmbed.forward(images).add(posEmbed));
        return feature.forward(norm.forward(x).flatten(1, -1));
    }

    @Override
    public String exportTo(LayerGraph g, String images) {
        String x = Block.chainExport(blocks, g, g.addConstant(patchEmbed.exportTo(g, images), posEmbed));
        return feature.exportTo(g, g.flatten(Layers.export(g, x, norm)));
    }
}
