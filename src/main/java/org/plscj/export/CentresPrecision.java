package org.plscj.export;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.plscj.eval.CentreStorage;
import org.plscj.tensor.Tensors;

/**
 * How an inference bundle stores the class centres in {@code centres.pt}: fp32; fp16 (half the
 * size); int8 (a quarter: per row q = round(127·w/max|w|), with {@code scales} = max|w|/127 in fp32,
 * so w ≈ q·scale, error ≤ scale/2 per value; {@link CentreStorage} bounds the score errors); or not at all.
 * {@code plsc serve} keeps them in the stored precision ({@link Stored}), so its identification pass reads
 * 2 or 1 bytes per value instead of 4.
 */
public enum CentresPrecision {
    FP32,
    FP16,
    INT8,
    NONE;

    /** The key of the int8 form's per-row scales [C] in {@code centres.pt}. */
    static final String SCALES_KEY = "scales";

    /** The {@code centres.pt} entries of unit rows {@code centres} [C, D] in this precision. */
    Map<String, Object> encode(Tensor centres) {
        Map<String, Object> out = new LinkedHashMap<>();
        switch (this) {
            case FP32 -> out.put(BundleMeta.CENTRES_KEY, centres.to(ScalarType.Float));
            case FP16 -> out.put(BundleMeta.CENTRES_KEY, centres.to(ScalarType.Half));
            case INT8 -> {
                Tensor scales = CentreStorage.int8Scales(centres);
                out.put(BundleMeta.CENTRES_KEY, CentreStorage.int8Codes(centres, scales));
                out.put(SCALES_KEY, scales.to(ScalarType.Float));
            }
            case NONE -> throw new IllegalStateException("no centres are stored with precision none");
        }
        return out;
    }

    /**
     * The centres as {@code centres.pt} stores them: fp32 or fp16 rows [C, D] ({@code scales} null), or int8 codes [C, D]
     * with their per-row {@code scales} [C].
     */
    public record Stored(Tensor values, Tensor scales) {
        /** The fp32 centres [C, D] (w ≈ codes·scale for int8). */
        public Tensor toFloat() {
            Tensor f = values.to(ScalarType.Float);
            return (scales == null ? f : f.mul(Tensors.col(scales.to(ScalarType.Float)))).contiguous();
        }
    }

    /** The centres of {@code centres.pt} entries written by {@link #encode} (any version), as stored; errors name {@code file}. */
    public static Stored read(Map<String, Object> saved, Path file) {
        if (!(saved.get(BundleMeta.CENTRES_KEY) instanceof Tensor t)) {
            throw new IllegalArgumentException(file + " has no tensor '" + BundleMeta.CENTRES_KEY + "'");
        }
        ScalarType dtype = Tensors.dtype(t);
        if (dtype == ScalarType.Half || dtype == ScalarType.Float) {
            return new Stored(t.contiguous(), null);
        }
        if (dtype != ScalarType.Char) {
            return new Stored(t.to(ScalarType.Float).contiguous(), null);
        }
        if (!(saved.get(SCALES_KEY) instanceof Tensor scales) || scales.dim() != 1 || scales.size(0) != t.size(0)) {
            throw new IllegalArgumentException(file + ": int8 centres need a tensor '" + SCALES_KEY + "' of shape [" + t.size(0) + "]");
        }
        return new Stored(t.contiguous(), scales.to(ScalarType.Float).contiguous());
    }

    /** The fp32 centres [C, D] of {@code centres.pt} entries written by {@link #encode}. */
    public static Tensor decode(Map<String, Object> saved, Path file) {
        return read(saved, file).toFloat();
    }
}
