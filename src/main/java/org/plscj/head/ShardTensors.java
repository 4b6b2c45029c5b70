package org.plscj.head;

import org.bytedeco.pytorch.Tensor;

/**
 * The tensors one step updates in place: W [n, D], its momentum, and 1/‖w‖ (margin losses) or the
 * bias and its momentum (softmax; null otherwise); under AdamW the momentum is AdamW's first moment and
 * {@code secondMoment} (and {@code biasSecondMoment} for softmax) its second, null under SGD. Either the whole shard
 * or, under Partial FC, the sampled rows gathered into the head's {@link SampleBuffers}.
 */
record ShardTensors(Tensor weight, Tensor momentum, Tensor inverseNorms, Tensor bias, Tensor biasMomentum, Tensor secondMoment,
        Tensor biasSecondMoment) {

    /** Writes {@code rows} back into this shard's rows {@code index}. */
    void put(Tensor index, ShardTensors rows) {
        weight.index_copy_(0, index, rows.weight);
        momentum.index_copy_(0, index, rows.momentum);
        if (inverseNorms != null) {
            inverseNorms.index_copy_(0, index, rows.inverseNorms);
        }
        if (bias != null) {
            bias.index_copy_(0, index, rows.bias);
            biasMomentum.index_copy_(0, index, rows.biasMomentum);
        }
        if (secondMoment != null) {
            secondMoment.index_copy_(0, index, rows.secondMoment);
        }
        if (biasSecondMoment != null) {
            biasSecondMoment.index_copy_(0, index, rows.biasSecondMoment);
        }
    }
}
