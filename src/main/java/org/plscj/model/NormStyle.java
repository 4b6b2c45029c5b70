package org.plscj.model;

/** The BatchNorm epsilon and PReLU kind a network uses throughout. */
record NormStyle(double eps, Activation activation) {
    /** arcface_torch: eps 1e-5, one PReLU slope per channel. */
    static final NormStyle ARCFACE = new NormStyle(Layers.TORCH_BN_EPS, Activation.PRELU_PER_CHANNEL);
    /** PLSC v1 (Paddle fluid): eps 2e-5, one PReLU slope per layer. */
    static final NormStyle PLSC = new NormStyle(2e-5, Activation.PRELU_SHARED);

    /** conv → BN → this style's PReLU. */
    ConvBn activated(ConvSpec spec) {
        return new ConvBn(spec, eps, activation);
    }

    /** conv → BN, no activation. */
    ConvBn linear(ConvSpec spec) {
        return new ConvBn(spec, eps, Activation.NONE);
    }
}
