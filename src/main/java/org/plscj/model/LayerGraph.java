package org.plscj.model;

import org.bytedeco.pytorch.Tensor;

/**
 * A sink for a backbone's inference graph, layer by layer, as {@link Backbone#exportTo} walks it:
 * each method takes the name of its input value, records one operation with the given weights
 * (copied, in eval form: BatchNorm with its running statistics, dropout left out) and returns the
 * name of its output. The ONNX writer ({@code org.plscj.export.OnnxGraphBuilder}) implements it.
 */
public interface LayerGraph {
    /** A bias-free 2-D convolution with weight [out, in/groups, k, k], square stride and padding. */
    String conv(String x, Tensor weight, long stride, long padding, long groups);

    /** Eval-mode BatchNorm over dimension 1 of a [N, C] or [N, C, H, W] value. */
    String batchNorm(String x, Tensor scale, Tensor shift, Tensor runningMean, Tensor runningVar, double eps);

    /** PReLU of a [N, C, H, W] value with one slope per channel ([C]) or one shared slope ([1]). */
    String prelu(String x, Tensor slopes);

    String add(String a, String b);

    /** [N, C, H, W] → [N, C·H·W]. */
    String flatten(String x);

    /** x · weightᵀ + bias with weight [out, in]; {@code bias} may be null. */
    String linear(String x, Tensor weight, Tensor bias);

    /** [N, C, H, W] → [N, H·W, C]: a feature map's pixels, row by row, as a sequence of C-wide tokens. */
    String tokens(String x);

    /** x + t for a constant t broadcast from the right (a bias [C] over [N, L, C], positions [1, L, C]). */
    String addConstant(String x, Tensor t);

    /** LayerNorm over the last dimension: (x − mean)/√(var + eps) · scale + shift, biased variance. */
    String layerNorm(String x, Tensor scale, Tensor shift, double eps);

    /** {@link #linear} on every token of [N, L, in] → [N, L, out]; {@code bias} may be null. */
    String tokenLinear(String x, Tensor weight, Tensor bias);

    /** min(max(x, 0), 6). */
    String relu6(String x);

    /**
     * Multi-head self-attention of [N, L, 3·D] (q, k and v side by side, each split into {@code heads} heads of
     * d = D/heads features) → [N, L, D]: per head softmax(q·kᵀ/√d)·v, the heads side by side again.
     */
    String attention(String qkv, long heads);
}
