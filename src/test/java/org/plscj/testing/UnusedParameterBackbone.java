package org.plscj.testing;

import org.bytedeco.pytorch.LinearImpl;

/**
 * {@link TinyBackbone} with one more layer, registered last, that its forward never uses: backward gives its weight
 * and bias no gradient, and the gradient sum must still take them along (with zeros), on every worker alike. Being
 * the last parameters, they are the first in backward order.
 */
public final class UnusedParameterBackbone extends TinyBackbone {
    public UnusedParameterBackbone(int embDim) {
        super(UnusedParameterBackbone.class.getName(), embDim, 0);
        register_module("unused", new LinearImpl(5, 7));
    }
}
