package org.plscj.model;

import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * A layer with one input and one output written in Java, so an architecture can keep different
 * layers in one list (JavaCPP cannot put Java modules into a {@code SequentialImpl}).
 */
abstract class Block extends Module {
    Block(String name) {
        super(name);
    }

    abstract Tensor forward(Tensor x);

    /** Runs {@code blocks} in order. */
    static Tensor chain(Iterable<? extends Block> blocks, Tensor x) {
        Tensor y = x;
        for (Block b : blocks) {
            y = b.forward(y);
        }
        return y;
    }
}
