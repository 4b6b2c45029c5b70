package org.plscj.tensor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** A float32 stretch inside bf16 autocast: float32 inside, bf16 around it, autocast on again after it. */
class AutocastTest {
    @BeforeAll
    static void load() {
        Native.load();
    }

    @Test
    void offComputesInFloat32AndRestoresAutocast() {
        try (PointerScope scope = new PointerScope()) {
            Tensor a = torch.randn(4, 8);
            Tensor b = torch.randn(8, 3);
            torch.set_autocast_dtype(DeviceType.CPU, ScalarType.BFloat16);
            torch.set_autocast_enabled(DeviceType.CPU, true);
            try {
                assertEquals(ScalarType.BFloat16, Tensors.dtype(a.matmul(b)), "autocast casts a matmul to bf16");
                Tensor inside = Autocast.off(() -> Autocast.float32(a.to(ScalarType.BFloat16)).matmul(b));
                assertEquals(ScalarType.Float, Tensors.dtype(inside));
                assertTrue(torch.is_autocast_enabled(DeviceType.CPU), "autocast is on again after the block");
            } finally {
                torch.set_autocast_enabled(DeviceType.CPU, false);
            }
            Tensor unchanged = Autocast.off(() -> a.matmul(b));
            assertEquals(ScalarType.Float, Tensors.dtype(unchanged));
            assertTrue(!torch.is_autocast_enabled(DeviceType.CPU), "a block outside autocast leaves it off");
        }
    }

    @Test
    void inFloat32RunsTheOperationInFloat32AndHandsBackAutocastsDtype() {
        try (PointerScope scope = new PointerScope()) {
            Tensor a = torch.randn(4, 8).to(ScalarType.BFloat16);
            Tensor b = torch.randn(8, 3);
            ScalarType[] seen = new ScalarType[1];
            torch.set_autocast_dtype(DeviceType.CPU, ScalarType.BFloat16);
            torch.set_autocast_enabled(DeviceType.CPU, true);
            Tensor out;
            try {
                out = Autocast.inFloat32(a, x -> {
                    Tensor y = x.matmul(b);
                    seen[0] = Tensors.dtype(y);
                    return y;
                });
                assertTrue(torch.is_autocast_enabled(DeviceType.CPU), "autocast is on again after it");
            } finally {
                torch.set_autocast_enabled(DeviceType.CPU, false);
            }
            assertEquals(ScalarType.Float, seen[0], "the operation ran in float32");
            assertEquals(ScalarType.BFloat16, Tensors.dtype(out), "its result comes back in autocast's dtype");
            assertTrue(torch.equal(a.to(ScalarType.Float).matmul(b).to(ScalarType.BFloat16), out), "rounded once");

            Tensor plain = Autocast.inFloat32(b, x -> x.mul(x));
            assertEquals(ScalarType.Float, Tensors.dtype(plain), "without autocast nothing is cast");
        }
    }
}
