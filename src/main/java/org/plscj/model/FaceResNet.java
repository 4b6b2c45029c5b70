package org.plscj.model;

import static org.plscj.model.ConvSpec.conv;

import org.bytedeco.pytorch.Tensor;

/**
 * The 112×112 face ResNets: arcface_torch's IResNet18/34/50/100 and PLSC v1's ResNet50/101/152.
 *
 * <p>Layout (both): conv3x3(3→64) → BN → PReLU at 112×112; four stages of residual blocks, 64,
 * 128, 256, 512 channels, the first block of each with stride 2 (112 → 56 → 28 → 14 → 7); then
 * BN2d → dropout → FC(512·7·7 → embDim) → BN1d. {@link ResNetRecipe} holds the differences.
 */
public final class FaceResNet extends Backbone {
    private static final long[] STAGE_WIDTHS = {64, 128, 256, 512};
    /** 112 / 2⁴ = 7: the final feature map is 7×7. */
    private static final long FINAL_PIXELS = 7 * 7;

    private final ConvBn stem;
    private final LayerSequence<ResidualBlock> blocks = new LayerSequence<>(this, "");
    private final FlatEmbedding embedding;

    FaceResNet(String modelName, int embDim, ResNetRecipe recipe) {
        super(modelName, embDim);
        stem = register_module("stem", recipe.style().activated(conv(3, STAGE_WIDTHS[0], 3).pad(1)));
        long in = STAGE_WIDTHS[0];
        for (int stage = 0; stage < STAGE_WIDTHS.length; stage++) {
            long out = STAGE_WIDTHS[stage];
            for (int i = 0; i < recipe.depths()[stage]; i++) {
                ResidualBlock block = recipe.block(in, out, i == 0 ? 2 : 1);
                blocks.add("layer" + (stage + 1) + "_" + i, block);
                in = out;
            }
        }
        embedding = register_module("embedding", new FlatEmbedding(in, FINAL_PIXELS, embDim, recipe.style().eps(),
                recipe.dropout(), recipe.frozenFeatureScale()));
        recipe.init().apply(this);
    }

    @Override
    public Tensor forward(Tensor images) {
        return forward(images, LayerObserver.NONE);
    }

    @Override
    public Tensor forward(Tensor images, LayerObserver observer) {
        Tensor features = blocks.forward(stem.forward(images, "stem", observer), observer);
        return embedding.forward(features, "embedding", observer);
    }

    @Override
    public String exportTo(LayerGraph g, String images) {
        return embedding.exportTo(g, blocks.exportTo(g, stem.exportTo(g, images)));
    }
}
