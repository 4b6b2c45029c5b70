package org.plscj.model;

/**
 * The shape of an arcface_torch Vision Transformer ({@code recognition/arcface_torch/backbones/__init__.py},
 * {@code get_model}): square images of {@code imageSide} cut into patches of {@code patch}² pixels, each a token of
 * {@code dim} features, {@code depth} pre-norm blocks of {@code heads}-head self-attention and an MLP of
 * {@code mlpRatio}·dim hidden units, stochastic depth rising linearly from 0 to {@code dropPathRate} over the blocks.
 *
 * <p>Random token masking is a training option ({@code mask_ratio}, {@link VisionTransformer#maskTokens}), 0 by default
 * as in arcface_torch's {@code vit_t_dp005_mask0} WebFace42M recipe; their {@code vit_t} and {@code vit_s} use 0.1.
 */
record ViTRecipe(long imageSide, long patch, long dim, int depth, long heads, double mlpRatio, double dropPathRate) {
    /** {@code vit_t}: 112/9 → 12×12 = 144 tokens of 256 features, 12 blocks, 8 heads; 1.5 G MACs per image. */
    static final ViTRecipe VIT_T = new ViTRecipe(112, 9, 256, 12, 8, 4.0, 0.1);
    /** {@code vit_s}: as vit_t with 512 features per token; 5.7 G MACs per image. */
    static final ViTRecipe VIT_S = new ViTRecipe(112, 9, 512, 12, 8, 4.0, 0.1);
    /** {@code vit_t_dp005_mask0}: vit_t with drop path 0.05, their WebFace42M recipes' ViT-T (configs/wf42m_pfc03_40epoch_8gpu_vit_t.py). */
    static final ViTRecipe VIT_T_DP005 = new ViTRecipe(112, 9, 256, 12, 8, 4.0, 0.05);
    /** {@code vit_s_dp005_mask_0}: vit_s with drop path 0.05, their WebFace42M recipes' ViT-S. */
    static final ViTRecipe VIT_S_DP005 = new ViTRecipe(112, 9, 512, 12, 8, 4.0, 0.05);

    ViTRecipe {
        if (dim % heads != 0) {
            throw new IllegalArgumentException("token width " + dim + " is not a multiple of the " + heads + " heads");
        }
        if (dropPathRate < 0 || dropPathRate >= 1) {
            throw new IllegalArgumentException("drop path rate must lie in [0, 1), got " + dropPathRate);
        }
    }

    /** Patches per side: a stride-{@code patch} convolution without padding, ⌊(side − patch)/patch⌋ + 1. */
    long patchesPerSide() {
        return (imageSide - patch) / patch + 1;
    }

    long tokens() {
        return patchesPerSide() * patchesPerSide();
    }

    long hidden() {
        return (long) (dim * mlpRatio);
    }

    /** Block {@code i}'s stochastic-depth rate: torch.linspace(0, dropPathRate, depth)[i]. */
    double dropPath(int i) {
        return depth == 1 ? 0 : dropPathRate * i / (depth - 1);
    }
}
