package org.plscj.model;

import static org.plscj.model.ConvSpec.conv;
import static org.plscj.model.NormStyle.ARCFACE;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Tensor;

/**
 * A small backbone with every layer kind the built-ins use, for the whole-step fidelity test (issue 19): plain conv +
 * BatchNorm + per-channel PReLU, a two-channels-per-group conv (FewChannelGroupConv) with a shared PReLU, MobileFaceNet's
 * DepthWise (depthwise conv, residual add), IResNet's basic ResidualBlock (pre-BN, strided 1×1 shortcut) and the
 * FlatEmbedding (BN2d → Linear → BatchNorm1d, dropout 0). Images [B, 3, 28, 28]. Its PyTorch twin, with the same
 * parameters in the same order, is src/test/resources/fixtures/fidelity/make_whole_step.py.
 */
public final class FidelityNet extends Backbone {
    private final List<Block> layers = new ArrayList<>();

    public FidelityNet(int embDim) {
        super("FidelityNet", embDim);
        add(ARCFACE.activated(conv(3, 16, 3).stride(2).pad(1)));
        add(new ConvBn(conv(16, 16, 3).pad(1).groups(8), Layers.TORCH_BN_EPS, Activation.PRELU_SHARED));
        add(new DepthWise(16, 16, 32, 1, true));
        add(ResidualBlock.basic(ARCFACE, 16, 24, 2));
        add(new FlatEmbedding(24, 7 * 7, embDim, Layers.TORCH_BN_EPS, 0, false));
    }

    private void add(Block layer) {
        layers.add(register_module("layer" + layers.size(), layer));
    }

    @Override
    public Tensor forward(Tensor images) {
        return Block.chain(layers, images);
    }
}
