package org.plscj.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.plscj.tensor.Native;

/** ForwardCost: a backbone's forward multiply-accumulates and values per image, from the layer shapes of its exported graph. */
class ForwardCostTest {
    @BeforeAll
    static void load() {
        Native.load();
    }

    /** conv 3→8, k3, stride 2, pad 1 (112 → 56) → BN → PReLU → flatten → linear 8·56·56 → 16. */
    private static final class OneConvNet extends Backbone {
        private final Conv2dImpl conv;
        private final LinearImpl fc;

        OneConvNet() {
            super("OneConvNet", 16);
            conv = register_module("conv", Layers.conv(ConvSpec.conv(3, 8, 3).stride(2).pad(1)));
            fc = register_module("fc", Layers.linear(8 * 56 * 56, 16, true));
        }

        @Override
        public Tensor forward(Tensor images) {
            return fc.forward(conv.forward(images).flatten(1, -1));
        }

        @Override
        public String exportTo(LayerGraph g, String images) {
            String x = g.prelu(g.conv(images, conv.weight(), 2, 1, 1), conv.weight().narrow(0, 0, 1).flatten(0, -1));
            return g.linear(g.flatten(x), fc.weight(), fc.bias());
        }
    }

    @Test
    void aConvolutionCostsOutTimesInTimesKernelAreaPerOutputPixelAndALinearLayerInTimesOut() {
        Backbone net = new OneConvNet();
        long conv = 8L * 3 * 3 * 3 * 56 * 56;
        long linear = 8L * 56 * 56 * 16;
        assertEquals(conv + linear, ForwardCost.perImage(net).macs());
        net.close();
    }

    @Test
    void theValuesAreTheImageAndEveryLayersOutputButNotAViewOfOne() {
        Backbone net = new OneConvNet();
        long image = 3L * 112 * 112;
        long conv = 8L * 56 * 56;
        long prelu = conv;
        long linear = 16;
        assertEquals(image + conv + prelu + linear, ForwardCost.perImage(net).valueElements());
        net.close();
    }

    @Test
    void iresnet100CostsWhatOpenVinoPublishesForLResNet100EIr() {
        Backbone r100 = Backbones.create("r100", 512);
        // OpenVINO's open_model_zoo, face-recognition-resnet100-arcface (LResNet100E-IR, the same network): 24.209 GFLOPs
        // = 2 flops per MAC. why 1 %: its counter also counts the BatchNorm, PReLU and addition elements (≈ 0.1 G here)
        assertEquals(24.209e9 / 2, ForwardCost.perImage(r100).macs(), 0.01 * 24.209e9 / 2);
        r100.close();
    }

    @Test
    void aCustomBackboneThatDoesNotDescribeItsGraphCannotBeCounted() {
        Backbone opaque = new Backbone("Opaque", 4) {
            @Override
            public Tensor forward(Tensor images) {
                return images;
            }
        };
        assertThrows(UnsupportedOperationException.class, () -> ForwardCost.perImage(opaque).macs());
        opaque.close();
    }
}
