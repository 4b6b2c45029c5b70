package org.plscj.model;

import static org.plscj.model.ConvSpec.conv;
import static org.plscj.model.NormStyle.ARCFACE;

import org.bytedeco.pytorch.Tensor;

/**
 * arcface_torch's MobileFaceNet ({@code get_mbf}): a 112×112 stem at stride 2, then depthwise
 * bottleneck stages 56 → 28 → 14 → 7, a 1×1 conv to 512 channels and the GDC embedding.
 *
 * <p>{@code blocks} are the residual bottlenecks per stage and {@code scale} multiplies the stage
 * widths (64·scale, 128·scale); the bottlenecks' hidden widths (128, 256, 512) stay fixed, as in
 * the reference. {@link #STANDARD}: blocks (1, 4, 6, 2), scale 2. {@link #LITE}: blocks (1, 2, 2, 1),
 * scale 1, the small backbone of the demo.
 */
public final class MobileFaceNet extends Backbone {
    /** Per-stage residual block counts and width multiplier. */
    record Shape(int[] blocks, int scale) {}

    static final Shape STANDARD = new Shape(new int[] {1, 4, 6, 2}, 2);
    static final Shape LITE = new Shape(new int[] {1, 2, 2, 1}, 1);

    private static final long STEM_GROUPS = 64;
    private static final long FEATURE_CHANNELS = 512;

    private final LayerSequence<Block> layers = new LayerSequence<>(this, "");

    MobileFaceNet(String modelName, int embDim, Shape shape) {
        super(modelName, embDim);
        long c64 = 64L * shape.scale();
        long c128 = 128L * shape.scale();
        int[] blocks = shape.blocks();
        add(ARCFACE.activated(conv(3, c64, 3).stride(2).pad(1))); // 112 → 56
        if (blocks[0] == 1) {
            add(ARCFACE.activated(conv(c64, c64, 3).pad(1).groups(STEM_GROUPS)));
        } else {
            addResiduals(c64, 128, blocks[0]);
        }
        add(new DepthWise(c64, c64, 128, 2, false)); // 56 → 28
        addResiduals(c64, 128, blocks[1]);
        add(new DepthWise(c64, c128, 256, 2, false)); // 28 → 14
        addResiduals(c128, 256, blocks[2]);
        add(new DepthWise(c128, c128, 512, 2, false)); // 14 → 7
        addResiduals(c128, 256, blocks[3]);
        add(ARCFACE.activated(conv(c128, FEATURE_CHANNELS, 1)));
        add(new GlobalDepthwiseEmbedding(FEATURE_CHANNELS, embDim));
        WeightInit.FAN_OUT_NORMAL.apply(this);
    }

    private void add(Block layer) {
        layers.add("layer" + layers.size(), layer);
    }

    private void addResiduals(long channels, long hidden, int count) {
        for (int i = 0; i < count; i++) {
            add(new DepthWise(channels, channels, hidden, 1, true));
        }
    }

    @Override
    public Tensor forward(Tensor images) {
        return forward(images, LayerObserver.NONE);
    }

    @Override
    public Tensor forward(Tensor images, LayerObserver observer) {
        return layers.forward(images, observer);
    }

    @Override
    public String exportTo(LayerGraph g, String images) {
        return layers.exportTo(g, images);
    }
}
