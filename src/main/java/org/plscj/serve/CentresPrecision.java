package org.plscj.serve;

import org.bytedeco.pytorch.global.torch.ScalarType;

/** How an inference bundle stores the class centres: fp32, fp16 (half the size) or not at all. */
public enum CentresPrecision {
    FP32(ScalarType.Float),
    FP16(ScalarType.Half),
    NONE(null);

    private final ScalarType dtype;

    CentresPrecision(ScalarType dtype) {
        this.dtype = dtype;
    }

    /** The stored dtype; null for {@link #NONE}. */
    ScalarType dtype() {
        return dtype;
    }
}
