package org.plscj.testing;

/** {@link TinyBackbone} with dropout 0.4 before the embedding (as PLSC's ResNets): its training draws random numbers. */
public final class TinyDropoutBackbone extends TinyBackbone {
    public TinyDropoutBackbone(int embDim) {
        super(TinyDropoutBackbone.class.getName(), embDim, 0.4);
    }
}
