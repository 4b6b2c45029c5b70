package org.plscj.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;
import org.plscj.testing.Float32Tolerance;

/** The two-depthwise form of a 2-channels-per-group conv equals libtorch's grouped conv, values and gradients. */
class FewChannelGroupConvTest {
    @BeforeAll
    static void load() {
        Native.load();
    }

    @ParameterizedTest(name = "{0}→{1} groups {2} stride {3} on {4}×{4}")
    @CsvSource({"128, 128, 64, 1, 14", "16, 32, 8, 2, 9", "4, 2, 2, 1, 5"})
    void equalsGroupedConvInValueAndGradient(long in, long out, long groups, long stride, long size) {
        try (PointerScope scope = new PointerScope()) {
            ConvSpec spec = ConvSpec.conv(in, out, 3).stride(stride).pad(1).groups(groups);
            assertTrue(FewChannelGroupConv.appliesTo(spec));
            torch.manual_seed(11);
            Conv2dImpl conv = Layers.conv(spec);
            Tensor x = torch.randn(2, in, size, size);
            Tensor g = torch.randn(Tensors.shape(reference(conv, x, spec)));

            Tensor fast = FewChannelGroupConv.forward(x, conv.weight(), spec);
            fast.mul(g).sum().backward();
            Tensor fastGrad = conv.weight().grad().clone();
            conv.weight().mutable_grad().reset();
            Tensor plain = reference(conv, x, spec);
            plain.mul(g).sum().backward();

            assertArrayEquals(Tensors.shape(plain), Tensors.shape(fast));
            // why these bounds: one layer in other kernels; a value sums (in/groups)·3·3 terms, a weight gradient
            // sums over the batch's output positions (≤ 2·size² terms)
            long valueFanIn = in / groups * 9;
            double valueError = Tensors.maxAbs(fast.sub(plain));
            double valueScale = Tensors.maxAbs(plain);
            assertTrue(Float32Tolerance.within(valueError, 1, valueFanIn, valueScale),
                    Float32Tolerance.describe("values", valueError, 1, valueFanIn, valueScale));
            long gradFanIn = 2 * size * size;
            double gradError = Tensors.maxAbs(fastGrad.sub(conv.weight().grad()));
            double gradScale = Tensors.maxAbs(conv.weight().grad());
            assertTrue(Float32Tolerance.within(gradError, 1, gradFanIn, gradScale),
                    Float32Tolerance.describe("weight gradients", gradError, 1, gradFanIn, gradScale));
        }
    }

    private static Tensor reference(Conv2dImpl conv, Tensor x, ConvSpec spec) {
        return torch.conv2d(x, conv.weight(), new TensorOptional(), new long[] {spec.stride(), spec.stride()},
                new long[] {spec.padding(), spec.padding()}, new long[] {1, 1}, spec.groups());
    }
}
