package org.plscj.model;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;
import org.plscj.testing.Float32Tolerance;

/**
 * The crash workaround (subsample, then a stride-1 1×1 conv) equals the plain strided 1×1 conv.
 * Forward only: the plain form's backward is what kills the JVM.
 */
class StridedPointwiseTest {
    @BeforeAll
    static void load() {
        Native.load();
    }

    @ParameterizedTest(name = "{0}→{1} on {2}×{2}, stride {3}")
    @CsvSource({"64, 128, 56, 2", "512, 1024, 14, 2", "32, 16, 7, 2", "8, 8, 9, 3"})
    void subsampleThenPointwiseEqualsStridedPointwise(long in, long out, long size, long stride) {
        try (PointerScope scope = new PointerScope(); NoGradGuard noGrad = new NoGradGuard()) {
            torch.manual_seed(7);
            Conv2dImpl conv = Layers.conv(ConvSpec.conv(in, out, 1).stride(stride));
            Tensor x = torch.randn(2, in, size, size);
            Tensor workaround = conv.forward(Layers.subsample(x, stride));
            Tensor plain = torch.conv2d(x, conv.weight(), new TensorOptional(), new long[] {stride, stride},
                    new long[] {0, 0}, new long[] {1, 1}, 1);
            assertArrayEquals(Tensors.shape(plain), Tensors.shape(workaround));
            double error = Tensors.maxAbs(workaround.sub(plain));
            // why this bound: the two convolutions may run different oneDNN kernels, one layer summing `in` terms
            double scale = Tensors.maxAbs(plain);
            assertTrue(Float32Tolerance.within(error, 1, in, scale),
                    Float32Tolerance.describe("workaround vs strided conv", error, 1, in, scale));
        }
    }
}
