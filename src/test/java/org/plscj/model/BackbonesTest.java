package org.plscj.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.plscj.model.ModelTesting.assertEmbeddings;
import static org.plscj.model.ModelTesting.images;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.plscj.tensor.Native;

/** Name resolution: built-ins, aliases, custom classes, and the refusals. */
class BackbonesTest {
    /** A custom backbone, built by its class name as a user's would be. */
    public static final class TinyNet extends Backbone {
        private final LinearImpl fc;

        public TinyNet(int embDim) {
            super("TinyNet", embDim);
            fc = register_module("fc", new LinearImpl(3 * 112 * 112, embDim));
        }

        @Override
        public Tensor forward(Tensor images) {
            return fc.forward(images.flatten(1, -1));
        }
    }

    /** Not a Backbone. */
    public static final class NotABackbone {
        public NotABackbone(int embDim) {}
    }

    /** A Backbone without the (int embDim) constructor. */
    public static final class NoEmbDimConstructor extends Backbone {
        public NoEmbDimConstructor() {
            super("NoEmbDimConstructor", 8);
        }

        @Override
        public Tensor forward(Tensor images) {
            return images;
        }
    }

    @BeforeAll
    static void load() {
        Native.load();
    }

    @ParameterizedTest(name = "{0} → {1}")
    @CsvSource({"r18, IResNet18", "R50, IResNet50", "iresnet34, IResNet34", "mbf, MobileFaceNet",
        "RESNET50, ResNet50", "r100, IResNet100", "mobilefacenetlite, MobileFaceNetLite"})
    void builtInNamesAndAliasesAreCaseInsensitive(String asked, String built) {
        try (PointerScope scope = new PointerScope()) {
            Backbone backbone = Backbones.create(asked, 64);
            assertEquals(built, backbone.modelName());
            assertEquals(64, backbone.embDim());
        }
    }

    @ParameterizedTest(name = "{0}")
    @CsvSource({"vit_t_dp005_mask0, ViT-T", "VIT_S_DP005_MASK_0, ViT-S"})
    void arcfaceTorchsWebFaceViTNetworksAreTheirViTsTrainedWithDropPathFiveHundredths(String asked, String built) {
        try (PointerScope scope = new PointerScope()) {
            VisionTransformer variant = (VisionTransformer) Backbones.create(asked, 64);
            VisionTransformer plain = (VisionTransformer) Backbones.create(built, 64);
            assertEquals(built, variant.modelName(), "same architecture and weights: a bundle of it serves as " + built);
            assertEquals(Backbones.parameterCount(plain), Backbones.parameterCount(variant));
            assertEquals(0.05, variant.recipe().dropPathRate());
            assertEquals(0.1, plain.recipe().dropPathRate());
        }
    }

    @Test
    void unknownNameListsTheBuiltIns() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backbones.create("ResNet34", 512));
        for (String name : Backbones.builtInNames()) {
            assertTrue(e.getMessage().contains(name), e.getMessage());
        }
        assertTrue(e.getMessage().contains("ResNet34"), e.getMessage());
        assertTrue(e.getMessage().contains("r50") && e.getMessage().contains("vit_t_dp005_mask0"), "and the aliases: " + e.getMessage());
    }

    @Test
    void unknownClassNameSaysSo() {
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
                () -> Backbones.create("com.example.Missing", 512));
        assertTrue(e.getMessage().contains("com.example.Missing") && e.getMessage().contains("no such class"),
                e.getMessage());
    }

    @Test
    void classThatIsNotABackboneIsRefusedByName() {
        String name = NotABackbone.class.getName();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backbones.create(name, 512));
        assertTrue(e.getMessage().contains(name) && e.getMessage().contains(Backbone.class.getName()), e.getMessage());
    }

    @Test
    void backboneWithoutEmbDimConstructorIsRefusedByName() {
        String name = NoEmbDimConstructor.class.getName();
        IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Backbones.create(name, 512));
        assertTrue(e.getMessage().contains(name) && e.getMessage().contains("(int embDim)"), e.getMessage());
    }

    @Test
    void customBackboneIsCreatedByClassName() {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Backbone backbone = Backbones.create(TinyNet.class.getName(), ModelTesting.EMB_DIM);
            assertInstanceOf(TinyNet.class, backbone);
            assertEquals(3L * 112 * 112 * 512 + 512, Backbones.parameterCount(backbone));
            assertEmbeddings(backbone.forward(images(2, 9)), 2, "TinyNet");
        }
    }
}
