package org.plscj.export;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.plscj.tensor.Tensors;

/**
 * How an inference bundle stores the class centres in {@code centres.pt}: fp32; fp16 (half the
 * size); int8 (a quarter: per row q = round(127·w/max|w|), with {@code scales} = max|w|/127 in fp32,
 * so w ≈ q·scale, error ≤ scale/2 per value); or not at all.
 */
public enum CentresPrecision {
    FP32,
    FP16,
    INT8,
    NONE;

    /** The key of the int8 form's per-row scales [C] in {@code centres.pt}. */
    static final String SCALES_KEY = "scales";
    private static final double INT8_MAX = 127;

    /** The {@code centres.pt} entries of unit rows {@code centres} [C, D] in this precision. */
    Map<String, Object> encode(Tensor centres) {
        Map<String, Object> out = new LinkedHashMap<>();
        switch (this) {
            case FP32 -> out.put(BundleMeta.CENTRES_KEY, centres.to(ScalarType.Float));
            case FP16 -> out.put(BundleMeta.CENTRES_KEY, centres.to(ScalarType.Half));
            case INT8 -> {
                Tensor scales = centres.abs().amax(new long[] {1}, false).clamp_min(Tensors.scalar(1e-12)).div(Tensors.scalar(INT8_MAX));
                out.put(BundleMeta.CENTRES_KEY, centres.div(Tensors.col(scales)).round().to(ScalarType.Char));
                out.put(SCALES_KEY, scales.to(ScalarType.Float));
            }
            case NONE -> throw new IllegalStateException("no centres are stored with precision none");
        }
        return out;
    }

    /** The fp32 centres [C, D] of {@code centres.pt} entries written by {@link #encode}. */
    public static Tensor decode(Map<String, Object> saved, Path file) {
        if (!(saved.get(BundleMeta.CENTRES_KEY) instanceof Tensor t)) {
            throw new IllegalArgumentException(file + " has no tensor '" + BundleMeta.CENTRES_KEY + "'");
        }
        if (Tensors.dtype(t) != ScalarType.Char) {
            return t.to(ScalarType.Float).contiguous();
        }
        if (!(saved.get(SCALES_KEY) instanceof Tensor scales) || scales.dim() != 1 || scales.size(0) != t.size(0)) {
            throw new IllegalArgumentException(file + ": int8 centres need a tensor '" + SCALES_KEY + "' of shape [" + t.size(0) + "]");
        }
        return t.to(ScalarType.Float).mul(Tensors.col(scales.to(ScalarType.Float))).contiguous();
    }
}
