package org.plscj.train;

import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;

/** A 6 → 5 → 3 network with a tanh between, small enough to compare optimizers with libtorch's parameter by parameter. */
final class TwoLayerNet extends Module {
    final LinearImpl first;
    final LinearImpl second;

    private TwoLayerNet() {
        first = register_module("first", new LinearImpl(6, 5));
        second = register_module("second", new LinearImpl(5, 3));
    }

    /** The network libtorch initialises after seeding with {@code seed}: equal seeds, equal networks. */
    static TwoLayerNet seeded(long seed) {
        torch.manual_seed(seed);
        return new TwoLayerNet();
    }

    Tensor forward(Tensor x) {
        return second.forward(first.forward(x).tanh());
    }
}
