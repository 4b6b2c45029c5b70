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
            assertTrue(Tensors.maxAbs(fast.sub(plain)) <= 1e-5, "values differ by " + Tensors.maxAbs(fast.sub(plain)));
            double gradError = Tensors.maxAbs(fastGrad.sub(conv.weight().grad()));
            assertTrue(gradError <= 1e-4 * Math.max(1, Tensors.maxAbs(fastGrad)), "weight gradients differ by " + gradError);
        }
    }

    private static Tensor reference(Conv2dImpl conv, Tensor x, ConvSpec spec) {
        return torch.conv2d(x, conv.weight(), new TensorOptional(), new long[] {spec.stride(), spec.stride()},
                new long[] {spec.padding(), spec.padding()}, new long[] {1, 1}, spec.groups());
    }
}
