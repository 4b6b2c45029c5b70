package org.plscj.train;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Generator;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;
import org.plscj.testing.TinyBackbone;

/**
 * {@link NonFiniteLayer}: the re-run names the first layer whose output is not finite (NaN weights, or finite weights
 * whose products overflow in bf16), says when the re-run was finite or the backbone shows no layers, and leaves the
 * BatchNorm statistics and the random generator as they were.
 */
class NonFiniteLayerTest {
    @BeforeAll
    static void load() {
        Native.load();
    }

    private static Tensor images() {
        torch.manual_seed(3);
        return torch.randn(4, 3, 112, 112);
    }

    /** Sets the parameter {@code key} (a state_dict key) to {@code value} everywhere. */
    private static void fill(Backbone backbone, String key, double value) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            backbone.named_parameters(true).get(key).fill_(new Scalar(value));
        }
    }

    /** Every buffer (running means, variances, counts; float32 and int64 are exact in float64), in the module's order. */
    private static List<double[]> buffers(Backbone backbone) {
        List<double[]> values = new ArrayList<>();
        for (Tensor b : backbone.buffers(true).get()) {
            values.add(Tensors.toDoubleArray(b.to(ScalarType.Double)));
        }
        return values;
    }

    /** assertArrayEquals on doubles compares bits: a NaN statistic must stay NaN, a finite one bit for bit. */
    private static void assertUntouched(List<double[]> before, List<double[]> after) {
        assertEquals(before.size(), after.size());
        for (int i = 0; i < before.size(); i++) {
            assertArrayEquals(before.get(i), after.get(i), "buffer " + i + " (running mean, variance or count) is untouched");
        }
    }

    /**
     * The failing step's own train-mode forward: it updates the running statistics (the re-run must then leave them
     * alone), its embeddings are not finite. Then the locating re-run.
     */
    private static String stepThenLocate(Backbone backbone, Tensor images, boolean bf16) {
        return stepThenLocate(backbone, images, bf16, () -> {});
    }

    /** As above, {@code beforeRerun} called between the step's forward and the re-run. */
    private static String stepThenLocate(Backbone backbone, Tensor images, boolean bf16, Runnable beforeRerun) {
        backbone.train(true);
        try (NoGradGuard noGrad = new NoGradGuard()) {
            assertTrue(!Tensors.allFinite(TrainStep.inPrecision(bf16, () -> backbone.forward(images))), "the step's embeddings are not finite");
        }
        List<double[]> before = buffers(backbone);
        beforeRerun.run();
        String where = NonFiniteLayer.locate(backbone, images, bf16);
        assertUntouched(before, buffers(backbone));
        return where;
    }

    @Test
    void aNanWeightIsNamedByItsLayerAndTheRerunLeavesTheBatchNormStatisticsAlone() {
        try (PointerScope scope = new PointerScope()) {
            Backbone tiny = Backbones.create("TinyFaceNet", 16);
            fill(tiny, "layer2.conv.weight", Double.NaN);
            assertEquals("first non-finite output: layer2 (ConvBn 64→128, fp32) — its input was finite", stepThenLocate(tiny, images(), false));
        }
    }

    @Test
    void aWeightThatOverflowsInBf16IsNamedWithThePrecision() {
        try (PointerScope scope = new PointerScope()) {
            Backbone tiny = Backbones.create("TinyFaceNet", 16);
            // finite weights (a checkpoint of them is legal) whose 288-term sums pass bf16's and fp32's largest value, 3.4e38
            fill(tiny, "layer1.conv.weight", 1e38);
            assertEquals("first non-finite output: layer1 (ConvBn 32→64, bf16) — its input was finite", stepThenLocate(tiny, images(), true));
        }
    }

    @Test
    void nonFiniteImagesAreSeenAtTheFirstLayersInput() {
        try (PointerScope scope = new PointerScope()) {
            Backbone tiny = Backbones.create("TinyFaceNet", 16);
            Tensor images = images();
            images.select(0, 1).fill_(new Scalar(Double.POSITIVE_INFINITY));
            assertEquals("first non-finite output: layer0 (ConvBn 3→32, fp32) — its input was not finite either",
                    stepThenLocate(tiny, images, false));
        }
    }

    @Test
    void aFiniteRerunIsCalledNonDeterministic() {
        try (PointerScope scope = new PointerScope()) {
            Backbone tiny = Backbones.create("TinyFaceNet", 16);
            tiny.train(true);
            assertTrue(NonFiniteLayer.locate(tiny, images(), false).contains("run again on the same batch was finite (a non-deterministic"));
        }
    }

    @Test
    void aCustomBackboneWithoutLayersIsSaidSoByClass() {
        try (PointerScope scope = new PointerScope()) {
            String where = NonFiniteLayer.locate(new TinyBackbone(16), images(), false);
            assertTrue(where.startsWith("the layer cannot be located for a custom backbone (class " + TinyBackbone.class.getName() + ")"), where);
        }
    }

    @Test
    void aTransformerBlockIsNamedAsItsStateDictKeysAndTheRandomGeneratorIsLeftWhereItWas() {
        try (PointerScope scope = new PointerScope()) {
            // drop path draws random numbers in every training forward: a re-run that left the generator moved would
            // change the next step's draws
            Backbone vit = Backbones.create("vit_t", 16);
            fill(vit, "blocks.5.mlp.fc1.weight", Double.NaN);
            Tensor images = images().narrow(0, 0, 2);
            Generator rng = torch.getDefaultCPUGenerator();
            Tensor[] state = new Tensor[1];
            String where = stepThenLocate(vit, images, false, () -> state[0] = rng.get_state());
            float[] next = Tensors.toFloatArray(torch.rand(8));
            rng.set_state(state[0]);
            assertArrayEquals(Tensors.toFloatArray(torch.rand(8)), next, "the re-run drew nothing from the generator");
            assertEquals("first non-finite output: blocks.5 (TransformerBlock 256→256, fp32) — its input was finite", where);
        }
    }
}
