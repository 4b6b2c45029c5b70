package org.plscj.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
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
    void aViTCostsItsPatchConvolutionItsTokenLinearLayersItsAttentionProductsAndItsFeatureHead() {
        Backbone vitT = Backbones.create("vit_t", 512);
        long tokens = 12 * 12;
        long dim = 256;
        long patch = dim * 3 * 9 * 9 * tokens;
        // per block: qkv D → 3D, q·kᵀ and softmax·v (L·L·D each over all heads), proj D → D, mlp D → 4D → D, per token
        long block = tokens * dim * 3 * dim + 2 * tokens * tokens * dim + tokens * dim * dim + 2 * tokens * dim * 4 * dim;
        long feature = tokens * dim * dim + dim * 512;
        assertEquals(patch + 12 * block + feature, ForwardCost.perImage(vitT).macs());
        vitT.close();
    }

    @ParameterizedTest(name = "{0}: {1} G")
    @CsvSource({"vit_t, 1.5", "vit_s, 5.7"})
    void aViTCostsWhatArcfaceTorchPublishes(String name, double gigaMacs) {
        // arcface_torch's README, "ViT For Face Recognition": FLOPs 1.5 (VIT-T) and 5.7 (VIT-S), which count MACs (two
        // flops per MAC would give 3.0 and 11.5). why ± 0.05 G: the figures have one decimal
        Backbone vit = Backbones.create(name, 512);
        assertEquals(gigaMacs * 1e9, ForwardCost.perImage(vit).macs(), 0.05e9);
        vit.close();
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
