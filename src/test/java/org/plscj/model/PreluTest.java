package org.plscj.model;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Scalar;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.plscj.tensor.Native;

/** PReLU in bfloat16 (the vectorised form Layers.prelu takes there) gives the native op's values and gradients. */
class PreluTest {
    @BeforeAll
    static void load() {
        Native.load();
    }

    @Test
    void bfloat16PreluGivesTheNativeValuesAndGradientsWithinBfloat16sPrecision() {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(3);
            Tensor input = torch.randn(4, 8, 5, 5).to(ScalarType.BFloat16).requires_grad_(true);
            Tensor slopes = torch.rand(8).mul(new Scalar(0.5)).requires_grad_(true);
            Tensor upstream = torch.randn(4, 8, 5, 5);
            // the reference: the native op in float32 on the same (bf16-exact) inputs
            Tensor refInput = input.detach().to(ScalarType.Float).requires_grad_(true);
            Tensor refSlopes = slopes.detach().clone().requires_grad_(true);
            Tensor expected = torch.prelu(refInput, refSlopes);
            expected.mul(upstream).sum().backward();

            Tensor y = Layers.prelu(input.mul(new Scalar(1.0)), slopes); // why mul: a non-leaf, as a BatchNorm output is
            assertEquals(ScalarType.BFloat16, y.scalar_type().intern());
            y.to(ScalarType.Float).mul(upstream).sum().backward();

            // why 2^-7 relative: bf16 keeps 8 significant bits; values and input gradients are rounded to bf16 once or twice
            assertClose(expected, y.to(ScalarType.Float), 2 * Math.pow(2, -8), "values");
            assertClose(refInput.grad(), input.grad().to(ScalarType.Float), 2 * Math.pow(2, -8), "input gradients");
            // why 2^-6 of the gradient's scale: each slope's gradient sums 100 products rounded in bf16
            assertClose(refSlopes.grad(), slopes.grad(), Math.pow(2, -6), "slope gradients");
        }
    }

    @Test
    void float32KeepsTheNativeOpBitForBit() {
        try (PointerScope scope = new PointerScope()) {
            torch.manual_seed(4);
            Tensor x = torch.randn(2, 3, 4, 4);
            Tensor slopes = torch.rand(3);
            assertTrue(torch.equal(torch.prelu(x, slopes), Layers.prelu(x, slopes)));
        }
    }

    private static void assertClose(Tensor expected, Tensor actual, double relative, String what) {
        double scale = expected.abs().max().item_double();
        double diff = expected.sub(actual).abs().max().item_double();
        assertTrue(scale > 0, what + ": the reference is all zero");
        assertTrue(diff <= relative * scale, what + ": max |diff| " + diff + " exceeds " + relative + " × " + scale);
    }
}
