package org.plscj.data;

import org.bytedeco.pytorch.Tensor;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Tensors;

/** Turns a batch decoded by {@link ImageDecoder} into a libtorch tensor. */
public final class BatchTensor {
    private BatchTensor() {}

    /**
     * A float32 CPU tensor [B, 3, H, W] holding {@code data} (B·3·H·W floats, sample-major, CHW
     * inside): one copy into native memory. The result belongs to the caller's scope.
     */
    public static Tensor of(float[] data, int batch, int height, int width) {
        long expected = (long) batch * ImageDecoder.CHANNELS * height * width;
        if (batch <= 0 || height <= 0 || width <= 0 || data.length != expected) {
            throw new IllegalArgumentException("a batch of " + batch + " images of 3x" + height + "x" + width
                    + " needs " + expected + " floats, got " + data.length);
        }
        return Tensors.floats(data, batch, ImageDecoder.CHANNELS, height, width);
    }

    /** {@link #of} placed on {@code at}'s device and dtype (a second copy only when that is not CPU float32). */
    public static Tensor of(float[] data, int batch, int height, int width, Placement at) {
        Tensor host = of(data, batch, height, width);
        return at.equals(Placement.CPU_FLOAT) ? host : host.to(at.floats(), false, false, null);
    }
}
