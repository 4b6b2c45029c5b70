package org.plscj.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.plscj.model.ModelTesting.EMB_DIM;
import static org.plscj.model.ModelTesting.assertEmbeddings;
import static org.plscj.model.ModelTesting.images;

import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;
import org.plscj.testing.Float32Tolerance;

/** Every built-in maps images to finite embeddings, trains, and follows train/eval mode. */
class BackboneForwardTest {
    @BeforeAll
    static void load() {
        Native.load();
    }

    static List<String> builtInNames() {
        return Backbones.builtInNames();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("builtInNames")
    void forwardGivesFiniteEmbeddingsOfTheRightShape(String name) {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            // why train mode: untrained deep nets overflow in eval mode (running variance still 1,
            // IResNet's N(0, 0.1²) convs grow activations ~20× per layer), in PyTorch as well
            Backbone backbone = Backbones.create(name, EMB_DIM);
            backbone.train(true);
            assertEmbeddings(backbone.forward(images(2, 1)), 2, name);
        }
    }

    /** Covers the strided 1×1 convolutions (shortcuts, PLSC bottlenecks): their backward crashed oneDNN. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"IResNet18", "MobileFaceNet", "ResNet50"})
    void trainingStepGivesFiniteGradients(String name) {
        try (PointerScope scope = new PointerScope()) {
            Backbone backbone = Backbones.create(name, EMB_DIM);
            backbone.train(true);
            Tensor embeddings = backbone.forward(images(2, 2));
            assertEmbeddings(embeddings, 2, name);
            embeddings.sum().backward();
            assertFiniteGradients(backbone, name);
        }
    }

    /** PLSC's bottleneck (ResNet101/152) ends in a strided 1×1 conv 128→512: one block stands for them. */
    @Test
    void bottleneckBlockTrainsWithItsStridedPointwiseConvs() {
        try (PointerScope scope = new PointerScope()) {
            ResidualBlock block = ResidualBlock.bottleneck(NormStyle.PLSC, 256, 512, 2);
            block.train(true);
            torch.manual_seed(6);
            Tensor y = block.forward(torch.randn(2, 256, 14, 14));
            assertArrayEquals(new long[] {2, 512, 7, 7}, Tensors.shape(y));
            y.sum().backward();
            assertFiniteGradients(block, "bottleneck");
        }
    }

    private static void assertFiniteGradients(Module module, String name) {
        int withGradient = 0;
        for (Tensor p : module.parameters().get()) {
            if (p.requires_grad()) {
                assertTrue(p.grad().defined(), name + ": a trainable parameter got no gradient");
                assertTrue(Tensors.allFinite(p.grad()), name + ": gradient not finite");
                withGradient++;
            }
        }
        assertTrue(withGradient > 0, name + " has no trainable parameters");
    }

    /** ResNet50 also covers PLSC's dropout 0.4, which eval mode must switch off. */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"IResNet18", "ResNet50"})
    void evalModeIsDeterministic(String name) {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Backbone backbone = Backbones.create(name, EMB_DIM);
            backbone.eval();
            Tensor x = images(2, 3);
            Tensor first = backbone.forward(x);
            assertTrue(Tensors.allFinite(first), name + " eval output not finite");
            assertEquals(0.0, Tensors.maxAbs(first.sub(backbone.forward(x))), name);
        }
    }

    @Test
    void plscResNetDropsOutInTrainMode() {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Backbone backbone = Backbones.create("ResNet50", EMB_DIM);
            backbone.train(true);
            Tensor x = images(2, 3);
            // same batch, so same BatchNorm statistics: only dropout can make the two differ
            assertTrue(Tensors.maxAbs(backbone.forward(x).sub(backbone.forward(x))) > 1e-3);
        }
    }

    /**
     * In train mode an image's embedding depends on the rest of its batch (BatchNorm uses the batch
     * statistics); in eval mode it does not (running statistics).
     */
    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"IResNet18", "MobileFaceNet"})
    void trainModeUsesBatchStatistics(String name) {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            Backbone backbone = Backbones.create(name, EMB_DIM);
            Tensor batchA = images(4, 4);
            Tensor batchB = Tensors.cat0(Tensors.rows(batchA, 0, 2), images(2, 5));
            backbone.train(true);
            double trainDifference = firstRowsDifference(backbone, batchA, batchB);
            double trainScale = Tensors.maxAbs(backbone.forward(batchA));
            backbone.eval();
            double evalDifference = firstRowsDifference(backbone, batchA, batchB);
            double evalScale = Tensors.maxAbs(backbone.forward(batchA));
            assertTrue(Double.isFinite(evalScale), name + " eval output not finite");
            // why 1 %: other batch statistics move every embedding by a fraction of its own size
            assertTrue(trainDifference > 1e-2 * trainScale, name + " train mode ignored the batch: " + trainDifference
                    + " at scale " + trainScale);
            // why this bound: a different batch size may pick other kernels, nothing else may change (Float32Tolerance);
            // relative, because untrained nets in eval mode give large but finite values (see above)
            double rel = Float32Tolerance.relative(backbone);
            assertTrue(evalDifference <= rel * evalScale, name + " eval mode depends on the batch: "
                    + evalDifference + " at scale " + evalScale + " (bound " + rel + " relative)");
        }
    }

    /** Largest |difference| between the embeddings of the two images both batches share. */
    private static double firstRowsDifference(Backbone backbone, Tensor batchA, Tensor batchB) {
        Tensor a = Tensors.rows(backbone.forward(batchA), 0, 2);
        Tensor b = Tensors.rows(backbone.forward(batchB), 0, 2);
        return Tensors.maxAbs(a.sub(b));
    }
}
