package org.plscj.model;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Tensor;

/**
 * The blocks a backbone runs one after another, each with the name it is registered under: the names let a
 * {@link LayerObserver} match a layer to its state_dict keys.
 */
final class LayerSequence<B extends Block> {
    private final Module owner;
    private final String prefix;
    private final List<B> blocks = new ArrayList<>();
    private final List<String> names = new ArrayList<>();

    /**
     * @param owner  the module the blocks are registered in
     * @param prefix the owner's own name in the backbone's state_dict keys, with its dot ({@code "blocks."}), or
     *               {@code ""} when the owner is the backbone
     */
    LayerSequence(Module owner, String prefix) {
        this.owner = owner;
        this.prefix = prefix;
    }

    /** Registers {@code block} in the owner as {@code name} and appends it. */
    void add(String name, B block) {
        blocks.add(owner.register_module(name, block));
        names.add(prefix + name);
    }

    int size() {
        return blocks.size();
    }

    /** Runs the blocks in order, each output shown to {@code observer}. */
    Tensor forward(Tensor x, LayerObserver observer) {
        Tensor y = x;
        for (int i = 0; i < blocks.size(); i++) {
            y = blocks.get(i).forward(y, names.get(i), observer);
        }
        return y;
    }

    String exportTo(LayerGraph g, String x) {
        return Block.chainExport(blocks, g, x);
    }
}
