package org.plscj.model;

import java.util.HashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * What one image's forward pass costs, counted from the layer shapes of the backbone's inference graph
 * ({@link Backbone#exportTo}).
 *
 * <p>Multiply-accumulates: a convolution costs out·(in/groups)·k²·H_out·W_out, a linear layer in·out (per token for
 * L tokens: L·in·out), self-attention over L tokens of width D its two products q·kᵀ and softmax·v, 2·L²·D (arcface_torch's
 * {@code extra_gflops} in vit.py counts the same); BatchNorm, LayerNorm, PReLU, softmax and additions are memory-bound and
 * not counted. The training graph runs the same convolutions and linear layers, so a
 * training step costs ≈ 3× these MACs per image (forward, gradient of the input, gradient of the weights).
 *
 * <p>Values: the elements of every intermediate result (and the image). In training, autograd keeps what each layer's
 * backward needs, and every layer here needs its input (a convolution and a linear layer for ∂/∂W, BatchNorm for its
 * statistics' gradient, PReLU for its mask), so until backward reaches it every value stays alive once: their sum is the
 * activation memory of one image, the term that grows with the batch.
 */
public final class ForwardCost implements LayerGraph {
    /** The images' side: every built-in backbone takes 112×112 faces. */
    private static final long IMAGE_SIDE = 112;

    /** [C, H, W] (or [features]) of every value recorded so far. */
    private final Map<String, long[]> shapes = new HashMap<>();
    private long macs;
    private long elements;
    private int values;

    private ForwardCost() {}

    /**
     * Counts one [3, 112, 112] image through {@code backbone}.
     *
     * @throws UnsupportedOperationException for a custom backbone that does not describe its graph
     */
    public static ForwardCost perImage(Backbone backbone) {
        ForwardCost cost = new ForwardCost();
        backbone.exportTo(cost, cost.value(new long[] {3, IMAGE_SIDE, IMAGE_SIDE}));
        return cost;
    }

    /** Forward multiply-accumulates of one image. */
    public long macs() {
        return macs;
    }

    /** Elements of all the values one image's forward pass computes, its input included. */
    public long valueElements() {
        return elements;
    }

    @Override
    public String conv(String x, Tensor weight, long stride, long padding, long groups) {
        long[] in = shapes.get(x);
        long out = weight.size(0);
        long inPerGroup = weight.size(1);
        long k = weight.size(2);
        long h = (in[1] + 2 * padding - k) / stride + 1;
        long w = (in[2] + 2 * padding - k) / stride + 1;
        macs += out * inPerGroup * k * k * h * w;
        return value(new long[] {out, h, w});
    }

    @Override
    public String batchNorm(String x, Tensor scale, Tensor shift, Tensor runningMean, Tensor runningVar, double eps) {
        return value(shapes.get(x));
    }

    @Override
    public String prelu(String x, Tensor slopes) {
        return value(shapes.get(x));
    }

    @Override
    public String add(String a, String b) {
        return value(shapes.get(a));
    }

    @Override
    public String flatten(String x) {
        // why not a value: a view of x, no memory of its own
        return view(new long[] {numel(shapes.get(x))});
    }

    @Override
    public String linear(String x, Tensor weight, Tensor bias) {
        macs += weight.size(0) * weight.size(1);
        return value(new long[] {weight.size(0)});
    }

    @Override
    public String tokens(String x) {
        long[] map = shapes.get(x);
        return view(new long[] {map[1] * map[2], map[0]});
    }

    @Override
    public String addConstant(String x, Tensor t) {
        return value(shapes.get(x));
    }

    @Override
    public String layerNorm(String x, Tensor scale, Tensor shift, double eps) {
        return value(shapes.get(x));
    }

    @Override
    public String tokenLinear(String x, Tensor weight, Tensor bias) {
        long tokens = shapes.get(x)[0];
        macs += tokens * weight.size(0) * weight.size(1);
        return value(new long[] {tokens, weight.size(0)});
    }

    @Override
    public String relu6(String x) {
        return value(shapes.get(x));
    }

    /**
     * Values: the output [L, D] and the softmax's log-sum-exp per head and query, [heads, L]: the fused kernel keeps
     * those for backward instead of the [heads, L, L] probabilities (q, k and v are views of the qkv value).
     */
    @Override
    public String attention(String qkv, long heads) {
        long[] in = shapes.get(qkv);
        long tokens = in[0];
        long dim = in[1] / 3;
        macs += 2 * tokens * tokens * dim;
        elements += heads * tokens;
        return value(new long[] {tokens, dim});
    }

    private String view(long[] shape) {
        String name = "v" + values++;
        shapes.put(name, shape);
        return name;
    }

    private String value(long[] shape) {
        String name = "v" + values++;
        shapes.put(name, shape);
        elements += numel(shape);
        return name;
    }

    private static long numel(long[] shape) {
        long n = 1;
        for (long d : shape) {
            n *= d;
        }
        return n;
    }
}
