package org.plscj.eval;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.plscj.tensor.Tensors;

/**
 * How a {@link NearestCentres.Index} keeps its unit-row class centres in memory, and what each costs: a pass over the
 * centres reads {@link #bytesPerValue} bytes per value, so fp16 halves and int8 quarters the time of a memory-bound
 * search. Scores are always computed in fp32 (a block is converted before its GEMM).
 *
 * <p>Error bounds against fp32 unit rows ŵ (D values, query q̂ of norm 1):
 * <ul>
 *   <li>fp16: each value is rounded to 11 significant bits, |w̃ᵢ − ŵᵢ| ≤ 2⁻¹¹·|ŵᵢ| + 2⁻²⁵ (the second term: values
 *       below fp16's smallest normal, 6.1e-5, keep an absolute step of 2⁻²⁴), so by Cauchy–Schwarz
 *       |q̂·w̃ − q̂·ŵ| ≤ 2⁻¹¹ + √D·2⁻²⁵. A single query is scored by libtorch's fp16 matrix-vector kernel (fp32
 *       accumulation): the query is rounded to fp16 too (another 2⁻¹¹ + √D·2⁻²⁵) and the score, |s| ≤ 1, to fp16 on
 *       output (2⁻¹²), so the bound is 2·2⁻¹¹ + 2⁻¹² + 2√D·2⁻²⁵ ({@link #fp16Bound});
 *   <li>int8: per row c, s_c = max|ŵ_c|/127 and codes round(ŵ/s_c), so ‖s_c·codes − ŵ_c‖ ≤ √D·s_c/2; the index scores
 *       against the codes' own direction (codes/‖codes‖: a cosine, as fp32 gives), and renormalising at most doubles a
 *       distance to a unit vector, so |score − q̂·ŵ_c| ≤ √D·s_c ({@link #int8Bound}).
 * </ul>
 */
public enum CentreStorage {
    FP32(4),
    FP16(2),
    INT8(1);

    /** The largest int8 code: symmetric quantisation, −127..127. */
    public static final double INT8_MAX = 127;

    private final int bytesPerValue;

    CentreStorage(int bytesPerValue) {
        this.bytesPerValue = bytesPerValue;
    }

    public int bytesPerValue() {
        return bytesPerValue;
    }

    /** The scale s_c = max|w_c|/127 of every row of fp32 {@code rows} [n, D] (a zero row gets a tiny positive one). */
    public static Tensor int8Scales(Tensor rows) {
        return rows.abs().amax(new long[] {1}, false).clamp_min(Tensors.scalar(1e-12)).div(Tensors.scalar(INT8_MAX));
    }

    /** The int8 codes round(w/s_c) of fp32 {@code rows} [n, D] with their {@link #int8Scales}. */
    public static Tensor int8Codes(Tensor rows, Tensor scales) {
        return rows.div(Tensors.col(scales)).round().to(ScalarType.Char);
    }

    /** The bound on |int8 score − fp32 score| for a row of scale {@code scale} and {@code dim} values (see the class comment). */
    public static double int8Bound(double scale, long dim) {
        return Math.sqrt(dim) * scale;
    }

    /** The bound on |fp16 score − fp32 score| for unit rows of {@code dim} values (see the class comment). */
    public static double fp16Bound(long dim) {
        return 2 * Math.scalb(1.0, -11) + Math.scalb(1.0, -12) + 2 * Math.sqrt(dim) * Math.scalb(1.0, -25);
    }
}
