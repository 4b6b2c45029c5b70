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

    /** {@link #forward(Tensor)}, its output shown to {@code observer} as the layer {@code name}. */
    final Tensor forward(Tensor x, String name, LayerObserver observer) {
        Tensor y = forward(x);
        observer.output(name, getClass().getSimpleName(), x, y);
        return y;
    }

    /** Records this block's eval-mode computation of value {@code x} in {@code g}; returns its output's name. */
    abstract String exportTo(LayerGraph g, String x);

    /** Runs {@code blocks} in order. */
    static Tensor chain(Iterable<? extends Block> blocks, Tensor x) {
        Tensor y = x;
        for (Block b : blocks) {
            y = b.forward(y);
        }
        return y;
    }

    /** Exports {@code blocks} in order. */
    static String chainExport(Iterable<? extends Block> blocks, LayerGraph g, String x) {
        String y = x;
        for (Block b : blocks) {
            y = b.exportTo(g, y);
        }
        return y;
    }
}
