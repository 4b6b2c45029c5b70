package org.plscj.model;

import org.bytedeco.pytorch.Tensor;

/**
 * A two-block ViT on 112×112 images (patch 28: 16 tokens of 32 features, 4 heads, drop path 0.1) that trains in
 * seconds: the ViT code path of the built-ins at a test's size, named by class in a test's config.
 */
public final class SmallVisionTransformer extends Backbone implements TokenMasking {
    static final ViTRecipe RECIPE = new ViTRecipe(112, 28, 32, 2, 4, 4.0, 0.1);

    private final VisionTransformer vit;

    public SmallVisionTransformer(int embDim) {
        super(SmallVisionTransformer.class.getName(), embDim);
        vit = register_module("vit", new VisionTransformer("small ViT", embDim, RECIPE));
    }

    @Override
    public Tensor forward(Tensor images) {
        return vit.forward(images);
    }

    @Override
    public void maskTokens(double ratio) {
        vit.maskTokens(ratio);
    }

    @Override
    public String exportTo(LayerGraph g, String images) {
        return vit.exportTo(g, images);
    }
}
