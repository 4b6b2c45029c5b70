package org.plscj.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorOptional;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.plscj.tensor.Native;
import org.plscj.tensor.Tensors;

/** A strided depthwise convolution computes in float32 under bf16 autocast and hands bf16 on to the next layer. */
class StridedDepthwiseTest {
    @BeforeAll
    static void load() {
        Native.load();
    }

    @Test
    void onlyDepthwiseKernelsWithAStrideCount() {
        assertTrue(ConvSpec.conv(128, 128, 3).stride(2).pad(1).groups(128).isStridedDepthwise());
        assertFalse(ConvSpec.conv(128, 128, 3).pad(1).groups(128).isStridedDepthwise(), "stride 1");
        assertFalse(ConvSpec.conv(128, 128, 3).stride(2).pad(1).groups(64).isStridedDepthwise(), "two channels per group");
        assertFalse(ConvSpec.conv(128, 256, 3).stride(2).pad(1).groups(128).isStridedDepthwise(), "a channel multiplier");
        assertFalse(ConvSpec.conv(128, 128, 1).stride(2).groups(128).isStridedDepthwise(), "1×1 (the subsample route)");
        assertFalse(ConvSpec.conv(64, 128, 3).stride(2).pad(1).isStridedDepthwise(), "dense");
    }

    @Test
    void underBfloat16AutocastItEqualsTheFloat32ConvolutionRoundedOnceToBfloat16() {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(5);
            ConvSpec spec = ConvSpec.conv(16, 16, 3).stride(2).pad(1).groups(16);
            ConvBn layer = NormStyle.ARCFACE.activated(spec);
            Tensor x = torch.randn(2, 16, 9, 9).to(ScalarType.BFloat16);
            Tensor weight = layer.named_parameters().get("conv.weight");
            // the float32 conv of the (bf16-exact) input with the float32 master weights, then one rounding;
            // a bf16 kernel would round the weights and accumulate differently, so equality is exact or fails
            Tensor expected = torch.conv2d(x.to(ScalarType.Float), weight, new TensorOptional(), new long[] {2, 2},
                    new long[] {1, 1}, new long[] {1, 1}, 16).to(ScalarType.BFloat16);

            Tensor y = autocast(() -> layer.convolve(x));

            assertEquals(ScalarType.BFloat16, Tensors.dtype(y), "the next layer gets bf16, as from autocast");
            assertTrue(torch.equal(expected, y), "computed in float32, rounded once");
            assertFalse(torch.is_autocast_enabled(DeviceType.CPU), "autocast left as found");
        }
    }

    @Test
    void withoutAutocastItIsThePlainConvolution() {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(6);
            ConvBn layer = NormStyle.ARCFACE.activated(ConvSpec.conv(8, 8, 3).stride(2).pad(1).groups(8));
            Tensor x = torch.randn(2, 8, 7, 7);
            Tensor expected = torch.conv2d(x, layer.named_parameters().get("conv.weight"), new TensorOptional(),
                    new long[] {2, 2}, new long[] {1, 1}, new long[] {1, 1}, 8);
            assertTrue(torch.equal(expected, layer.convolve(x)));
        }
    }

    private static Tensor autocast(java.util.function.Supplier<Tensor> block) {
        torch.set_autocast_dtype(DeviceType.CPU, ScalarType.BFloat16);
        torch.set_autocast_enabled(DeviceType.CPU, true);
        try {
            return block.get();
        } finally {
            torch.set_autocast_enabled(DeviceType.CPU, false);
        }
    }
}
