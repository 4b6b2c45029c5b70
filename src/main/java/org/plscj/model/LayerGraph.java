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
}
