package org.plscj.testing;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Tensor;
import org.plscj.model.Backbone;

/**
 * A custom backbone for tests (and the README's example of one): a strided conv, tanh, a linear map.
 * No BatchNorm and no dropout, so a step on W workers is exactly a step on one worker with the whole batch.
 */
public final class TinyBackbone extends Backbone {
    private final Conv2dImpl conv;
    private final LinearImpl fc;

    public TinyBackbone(int embDim) {
        super(TinyBackbone.class.getName(), embDim);
        Conv2dOptions o = new Conv2dOptions(3, 4, new LongPointer(8, 8));
        o.stride().put(new long[] {8, 8});
        conv = register_module("conv", new Conv2dImpl(o));
        fc = register_module("fc", new LinearImpl(4 * 14 * 14, embDim));
    }

    @Override
    public Tensor forward(Tensor images) {
        return fc.forward(conv.forward(images).tanh().flatten(1, -1));
    }
}
