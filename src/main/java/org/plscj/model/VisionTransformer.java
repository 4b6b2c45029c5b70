package org.plscj.model;

import org.bytedeco.pytorch.LayerNormImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.plscj.tensor.Autocast;
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
 *
 * <p>Random token masking ({@link #maskTokens}, the {@code mask_ratio} key; arcface_torch's {@code random_masking}):
 * in training, each sample keeps ⌊L·(1 − r)⌋ of its tokens, chosen uniformly at random per sample, for the blocks; after
 * the final LayerNorm the dropped places are filled with the learned {@code mask_token} and the tokens put back in
 * their order, so the feature head sees L tokens as always. Evaluation and export never mask.
 */
public final class VisionTransformer extends Backbone implements TokenMasking {
    private final PatchEmbedding patchEmbed;
    private final ViTRecipe recipe;
    private final Tensor posEmbed;
    private final Tensor maskToken;
    private double maskRatio;
    /** Held for the module's life: libtorch calls back into it (train(), eval()), and a collected Java peer is an NPE. */
    private final Module blockList;
    private final LayerSequence<TransformerBlock> blocks;
    private final LayerNormImpl norm;
    private final ViTFeatureHead feature;

    VisionTransformer(String modelName, int embDim, ViTRecipe recipe) {
        super(modelName, embDim);
        this.recipe = recipe;
        long tokens = recipe.tokens();
        // why a handle of its own: register_parameter returns a reference into the module's parameter list, which moves
        // when the next parameter is registered; the handle shares the parameter for the module's life
        posEmbed = Scoped.holdHandle(register_parameter("pos_embed", torch.zeros(1, tokens, recipe.dim())));
        // why frozen until maskTokens: only masking reads it; it is in their state_dicts either way, and a parameter that
        // never gets a gradient must not be trained (weight decay alone would shrink it)
        maskToken = Scoped.holdHandle(register_parameter("mask_token", torch.zeros(1, 1, recipe.dim()), false));
        patchEmbed = register_module("patch_embed", new PatchEmbedding(recipe.patch(), recipe.dim()));
        // why a plain Module: it names the blocks 0, 1, … under "blocks", as arcface_torch's ModuleList
        blockList = register_module("blocks", new Module("ModuleList"));
        blocks = new LayerSequence<>(blockList, "blocks.");
        for (int i = 0; i < recipe.depth(); i++) {
            blocks.add(String.valueOf(i), new TransformerBlock(recipe.dim(), recipe.heads(), recipe.hidden(), recipe.dropPath(i)));
        }
        norm = register_module("norm", Layers.layerNorm(recipe.dim()));
        feature = register_module("feature", new ViTFeatureHead(tokens * recipe.dim(), recipe.dim(), embDim));
        WeightInit.VIT.apply(this);
    }

    ViTRecipe recipe() {
        return recipe;
    }

    /** Dropped tokens are replaced by {@code mask_token} after the final LayerNorm; it trains only while masking. */
    @Override
    public void maskTokens(double ratio) {
        if (!(ratio >= 0 && ratio < 1)) {
            throw new IllegalArgumentException("mask ratio must lie in [0, 1), got " + ratio);
        }
        maskRatio = ratio;
        maskToken.requires_grad_(ratio > 0);
    }

    @Override
    public Tensor forward(Tensor images) {
        return forward(images, LayerObserver.NONE);
    }

    @Override
    public Tensor forward(Tensor images, LayerObserver observer) {
        return feature.forward(tokens(images, observer).flatten(1, -1), "feature", observer);
    }

    /** The L tokens the feature head flattens, [B, L, D]: encoded, or in training with masking, encoded and filled. */
    Tensor tokens(Tensor images) {
        return tokens(images, LayerObserver.NONE);
    }

    private Tensor tokens(Tensor images, LayerObserver observer) {
        Tensor x = embed(images, observer);
        return is_training() && maskRatio > 0 ? encodeMasked(x, observer) : encode(x, observer);
    }

    /** The tokens before the blocks: patches + positions, [B, L, D]. */
    Tensor embed(Tensor images) {
        return embed(images, LayerObserver.NONE);
    }

    private Tensor embed(Tensor images, LayerObserver observer) {
        Tensor patches = patchEmbed.forward(images, "patch_embed", observer);
        Tensor x = patches.add(posEmbed);
        observer.output("pos_embed", "position embedding", patches, x);
        return x;
    }

    /** The blocks and the final LayerNorm over whatever tokens {@code x} holds (attention does not care which). */
    Tensor encode(Tensor x) {
        return encode(x, LayerObserver.NONE);
    }

    private Tensor encode(Tensor x, LayerObserver observer) {
        Tensor y = blocks.forward(x, observer);
        Tensor normed = norm.forward(y);
        observer.output("norm", "LayerNorm", y, normed);
        return normed;
    }

    /**
     * arcface_torch's {@code random_masking} + {@code forward_features}: argsort of per-sample noise is a uniform
     * random permutation; its first ⌊L·(1 − r)⌋ places are kept (Python's {@code int(L * (1 - mask_ratio))}), and the
     * inverse permutation puts the encoded tokens and the mask tokens back in place.
     */
    private Tensor encodeMasked(Tensor x, LayerObserver observer) {
        long b = x.size(0);
        long places = x.size(1);
        long width = x.size(2);
        long keep = (long) (places * (1 - maskRatio));
        // why float32 noise: under autocast x may be bf16, whose 8-bit mantissa would make ties (a biased permutation)
        Tensor shuffle = torch.rand_like(Autocast.float32(x.select(2, 0))).argsort(1, false);
        Tensor restore = shuffle.argsort(1, false);
        Tensor kept = x.gather(1, shuffle.narrow(1, 0, keep).unsqueeze(-1).expand(b, keep, width));
        Tensor encoded = encode(kept, observer);
        Tensor filled = torch.cat(new TensorVector(encoded, maskToken.expand(b, places - keep, width)), 1);
        return filled.gather(1, restore.unsqueeze(-1).expand(b, places, width));
    }

    @Override
    public String exportTo(LayerGraph g, String images) {
        String x = blocks.exportTo(g, g.addConstant(patchEmbed.exportTo(g, images), posEmbed));
        return feature.exportTo(g, g.flatten(Layers.export(g, x, norm)));
    }
}
