package org.plscj.model;

/**
 * The shape of one bias-free 2-D convolution, written the way papers write it:
 * {@code conv(64, 128, 3).stride(2).pad(1)}; depthwise is {@code .groups(channels)}.
 */
record ConvSpec(long in, long out, long kernel, long stride, long padding, long groups) {

    ConvSpec {
        if (in <= 0 || out <= 0 || kernel <= 0 || stride <= 0 || padding < 0 || groups <= 0) {
            throw new IllegalArgumentException("bad convolution " + in + "→" + out + " k" + kernel + " s" + stride
                    + " p" + padding + " g" + groups);
        }
    }

    /** A k×k convolution in→out, stride 1, no padding, one group. */
    static ConvSpec conv(long in, long out, long kernel) {
        return new ConvSpec(in, out, kernel, 1, 0, 1);
    }

    ConvSpec stride(long s) {
        return new ConvSpec(in, out, kernel, s, padding, groups);
    }

    ConvSpec pad(long p) {
        return new ConvSpec(in, out, kernel, stride, p, groups);
    }

    ConvSpec groups(long g) {
        return new ConvSpec(in, out, kernel, stride, padding, g);
    }

    /** Whether this is a 1×1 convolution that skips pixels (the form oneDNN crashes on in backward). */
    boolean isStridedPointwise() {
        return kernel == 1 && stride > 1;
    }

    /** Whether this is a depthwise k×k convolution (k &gt; 1, one channel per group) that skips pixels. */
    boolean isStridedDepthwise() {
        return kernel > 1 && stride > 1 && groups > 1 && groups == in && in == out;
    }
}
