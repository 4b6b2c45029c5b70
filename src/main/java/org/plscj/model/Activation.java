package org.plscj.model;

/** What follows a convolution's BatchNorm in a {@link ConvBn}. */
enum Activation {
    /** BatchNorm only (the "linear" end of a block). */
    NONE,
    /** PReLU with one slope per channel (arcface_torch). */
    PRELU_PER_CHANNEL,
    /** PReLU with one slope for the whole layer (PLSC v1: Paddle's prelu mode "all"). */
    PRELU_SHARED
}
