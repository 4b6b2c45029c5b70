package org.plscj.testing;

import org.bytedeco.javacpp.LongPointer;
import org.bytedeco.pytorch.Conv2dImpl;
import org.bytedeco.pytorch.Conv2dOptions;
import org.bytedeco.pytorch.LinearImpl;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.model.Backbone;

/** {@link TinyBackbone} with dropout 0.4 before the embedding (as PLSC's ResNets): its training draws random numbers. */
public final class TinyDropoutBackbone extends Backbone {
    private final Conv2dImpl conv;
    private final LinearImpl fc;

    public TinyDropoutBackbone(int embDim) {
        super(TinyDropoutBackbone.class.getName(), embDim);
        Conv2dOptions o = new Conv2dOptions(3, 4, new LongPointer(8, 8));
        o.stride().put(new long[] {8, 8});
        conv = register_module("conv", new Conv2dImpl(o));
        fc = register_module("fc", new LinearImpl(4 * 14 * 14, embDim));
    }

    @Override
    public Tensor forward(Tensor images) {
        return fc.forward(torch.dropout(conv.forward(images).tanh().flatten(1, -1), 0.4, is_training()));
    }
}
