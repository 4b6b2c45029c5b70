package org.plscj.tensor;

import java.util.function.Supplier;
import java.util.function.UnaryOperator;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;

/**
 * A stretch of a forward pass that stays float32 under CPU autocast (PyTorch's {@code with autocast(enabled=False)} plus
 * {@code .float()} on the inputs): for operations whose bf16 kernel is slower or less exact than their fp32 one.
 */
public final class Autocast {
    private Autocast() {}

    /**
     * {@code t} as float32 (itself when it already is): the input of a {@link #off} block, since autocast left off no
     * longer casts, and a bf16 input would run the bf16 kernel anyway.
     */
    public static Tensor float32(Tensor t) {
        return t.to(ScalarType.Float);
    }

    /** Runs {@code block} with CPU autocast off and returns its result; the caller's autocast state is restored. */
    public static Tensor off(Supplier<Tensor> block) {
        if (!torch.is_autocast_enabled(DeviceType.CPU)) {
            return block.get();
        }
        torch.set_autocast_enabled(DeviceType.CPU, false);
        try {
            return block.get();
        } finally {
            torch.set_autocast_enabled(DeviceType.CPU, true);
        }
    }

    /**
     * {@code op(x)} computed in float32 under CPU autocast, its result handed back in autocast's dtype so that the layers
     * after it stay in bf16 (autograd casts the gradient on the way back); without autocast just {@code op(x)}. For one
     * operation whose bf16 kernel is slower than its float32 one plus the two casts.
     */
    public static Tensor inFloat32(Tensor x, UnaryOperator<Tensor> op) {
        if (!torch.is_autocast_enabled(DeviceType.CPU)) {
            return op.apply(x);
        }
        ScalarType lower = torch.get_autocast_dtype(DeviceType.CPU);
        return off(() -> op.apply(float32(x))).to(lower);
    }
}
