package org.plscj.model;

import static org.plscj.model.ConvSpec.conv;
import static org.plscj.model.NormStyle.ARCFACE;

import org.bytedeco.pytorch.Tensor;

/**
 * A small plain CNN for CPUs: four stride-2 3×3 conv-BN-PReLU stages, 112 → 56 → 28 → 14 → 7 with widths
 * 32, 64, 128, 128, then the residual networks' embedding (BN → FC → BN). About 20× fewer multiply-adds
 * than MobileFaceNet; the demo's backbone, where a few minutes on two cores must learn the generated identities.
 */
public final class TinyFaceNet extends Backbone {
    private static final long[] WIDTHS = {32, 64, 128, 128};

    private final LayerSequence<Block> layers = new LayerSequence<>(this, "");

    TinyFaceNet(int embDim) {
        super("TinyFaceNet", embDim);
        long in = 3;
        for (long width : WIDTHS) {
            add(ARCFACE.activated(conv(in, width, 3).stride(2).pad(1)));
            in = width;
        }
        add(new FlatEmbedding(in, 7 * 7, embDim, Layers.TORCH_BN_EPS, 0, false));
        WeightInit.FAN_OUT_NORMAL.apply(this);
    }

    private void add(Block layer) {
        layers.add("layer" + layers.size(), layer);
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
