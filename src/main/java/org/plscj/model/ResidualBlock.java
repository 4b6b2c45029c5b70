package org.plscj.model;

import static org.plscj.model.ConvSpec.conv;

import java.util.List;
import org.bytedeco.pytorch.BatchNorm2dImpl;
import org.bytedeco.pytorch.Tensor;

/**
 * The pre-normalised residual block of IResNet and PLSC's ResNet:
 * y = body(BN(x)) + shortcut(x), the body ending in BN without activation, the shortcut a strided
 * 1×1 conv + BN when the shape changes and the identity otherwise.
 */
final class ResidualBlock extends Block {
    private final BatchNorm2dImpl preNorm;
    private final List<ConvBn> body;
    private final ConvBn projection;

    private ResidualBlock(NormStyle style, long in, long out, long stride, List<ConvBn> body) {
        super("ResidualBlock");
        preNorm = register_module("bn", Layers.batchNorm2d(in, style.eps()));
        this.body = body;
        for (int i = 0; i < body.size(); i++) {
            register_module("conv" + (i + 1), body.get(i));
        }
        boolean shapeChanges = stride != 1 || in != out;
        projection = shapeChanges ? register_module("downsample", style.linear(conv(in, out, 1).stride(stride))) : null;
    }

    /** IBasicBlock: BN → conv3x3 → BN → PReLU → conv3x3(stride) → BN. */
    static ResidualBlock basic(NormStyle style, long in, long out, long stride) {
        return new ResidualBlock(style, in, out, stride, List.of(
                style.activated(conv(in, out, 3).pad(1)),
                style.linear(conv(out, out, 3).stride(stride).pad(1))));
    }

    /**
     * PLSC v1's bottleneck (101 layers and up): BN → conv1x1(out/4) → BN → PReLU → conv3x3 → BN →
     * PReLU → conv1x1(out, stride) → BN. The width out/4 is PLSC's: its stages are 64…512 wide
     * at the block ends, not the 256…2048 of ImageNet ResNets.
     */
    static ResidualBlock bottleneck(NormStyle style, long in, long out, long stride) {
        long mid = out / 4;
        return new ResidualBlock(style, in, out, stride, List.of(
                style.activated(conv(in, mid, 1)),
                style.activated(conv(mid, mid, 3).pad(1)),
                style.linear(conv(mid, out, 1).stride(stride))));
    }

    @Override
    Tensor forward(Tensor x) {
        Tensor residual = chain(body, preNorm.forward(x));
        return residual.add(projection == null ? x : projection.forward(x));
    }

    @Override
    String exportTo(LayerGraph g, String x) {
        String residual = chainExport(body, g, Layers.export(g, x, preNorm));
        return g.add(residual, projection == null ? x : projection.exportTo(g, x));
    }
}
