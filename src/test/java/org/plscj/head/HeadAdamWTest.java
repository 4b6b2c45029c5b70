package org.plscj.head;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.AdamW;
import org.bytedeco.pytorch.AdamWOptions;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.plscj.comm.Communicator;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Tensors;

/** The head's shard update under optimizer adamw is libtorch's AdamW applied to the autograd gradient of the whole classifier. */
class HeadAdamWTest {
    private static final Placement F64 = Placement.of("cpu", "float64");

    @BeforeAll
    static void load() {
        Native.load();
    }

    @ParameterizedTest(name = "{0}, blocks of {1}")
    @CsvSource({"arcface, 16", "cosface, 0", "softmax, 16"})
    void shardUpdateEqualsLibtorchAdamWOnTheAutogradGradientOverSeveralSteps(String loss, int blockRows) {
        try (PointerScope scope = new PointerScope()) {
            double lr = 0.05;
            double decay = 0.1;
            HeadConfig config = HeadConfig.of(50, 8, LossType.parse(loss)).withBlockRows(blockRows).withPlacement(F64)
                    .withOptimizer(0.9, decay).withAdamW(true);
            try (PartialFC head = new PartialFC(config, Communicator.single())) {
                boolean softmax = !config.lossType().normalised();
                Tensor w = head.weights().weight().clone().requires_grad_(true);
                Tensor b = softmax ? head.weights().bias().clone().requires_grad_(true) : null;
                AdamWOptions options = new AdamWOptions(lr);
                options.weight_decay().put(decay);
                AdamW reference = new AdamW(softmax ? new TensorVector(w, b) : new TensorVector(w), options);
                torch.manual_seed(3);
                for (int step = 0; step < 4; step++) {
                    Tensor x = torch.randn(12, 8).to(F64.floats(), false, false, null);
                    Tensor labels = torch.randint(0L, 50L, new long[] {12});
                    head.step(x, labels, lr);
                    SingleDeviceReference.Result r = SingleDeviceReference.compute(config, x, labels, w, b, null);
                    reference.zero_grad();
                    // ∂/∂w of Σ w·g is g: hands the reference gradient to libtorch's optimizer through autograd
                    Tensor surrogate = w.mul(r.gradW()).sum();
                    (softmax ? surrogate.add(b.mul(r.gradBias()).sum()) : surrogate).backward();
                    reference.step();
                }
                // why relative 1e-10: four float64 AdamW steps; the update divides by √v + ε, which amplifies the
                // gradient's few-ulp differences (blocked vs plain softmax, u = 1.1e-16) by at most lr/ε-free factors of O(1)
                double scale = Tensors.maxAbs(w);
                assertEquals(0, Tensors.maxAbs(head.weights().weight().sub(w)), 1e-10 * scale, "W after 4 AdamW steps");
                if (softmax) {
                    assertEquals(0, Tensors.maxAbs(head.weights().bias().sub(b)), 1e-10 * Math.max(1e-3, Tensors.maxAbs(b)), "bias");
                }
            }
        }
    }

    @Test
    void sgdHoldsNoSecondMoment() {
        try (PartialFC head = new PartialFC(HeadConfig.of(10, 4, LossType.ARCFACE), Communicator.single())) {
            assertNull(head.weights().secondMoment());
        }
    }
}
