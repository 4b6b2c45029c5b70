package org.plscj.testing;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.model.Backbone;

/**
 * A custom backbone for tests (and the README's example of one): a strided conv, tanh, a linear map.
 * No BatchNorm and no dropout, so a step on W workers is exactly a step on one worker with the whole batch.
 */
public class TinyBackbone extends Backbone {
    private final Conv2dImpl conv;
    private final LinearImpl fc;
    private final double dropout;

    public TinyBackbone(int embDim) {
        this(TinyBackbone.class.getName(), embDim, 0);
    }

    /** With {@code dropout} > 0, dropout before the linear map (as PLSC's ResNets): training then draws random numbers. */
    protected TinyBackbone(String modelName, int embDim, double dropout) {
        super(modelName, embDim);
        Conv2dOptions o = new Conv2dOptions(3, 4, new LongPointer(8, 8));
        o.stride().put(new long[] {8, 8});
        conv = register_module("conv", new Conv2dImpl(o));
        fc = register_module("fc", new LinearImpl(4 * 14 * 14, embDim));
        this.dropout = dropout;
    }

    @Override
    public Tensor forward(Tensor images) {
        Tensor features = conv.forward(images).tanh().flatten(1, -1);
        return fc.forward(dropout > 0 ? torch.dropout(features, dropout, is_training()) : features);
    }
}
