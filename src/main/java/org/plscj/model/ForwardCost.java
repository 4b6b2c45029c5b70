package org.plscj.model;

import java.util.HashMap;
import java.util.Map;
import org.bytedeco.pytorch.Tensor;

/**
 * What one image's forward pass costs, counted from the layer shapes of the backbone's inference graph
 * ({@link Backbone#exportTo}).
 *
 * <p>Multiply-accumulates: a convolution costs out·(in/groups)·k²·H_out·W_out, a linear layer in·out; BatchNorm, PReLU
 * and additions are memory-bound and not counted. The training graph runs the same convolutions and linear layers, so a
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
        String name = "v" + values++;
        shapes.put(name, new long[] {numel(shapes.get(x))});
        return name;
    }

    @Override
    public String linear(String x, Tensor weight, Tensor bias) {
        macs += weight.size(0) * weight.size(1);
        return value(new long[] {weight.size(0)});
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
