package org.plscj.head;

import org.bytedeco.pytorch.Tensor;

/**
 * The tensors one step updates in place: W [n, D], its momentum, and 1/‖w‖ (margin losses) or the
 * bias and its momentum (softmax; null otherwise); under AdamW the momentum is AdamW's first moment and
 * {@code secondMoment} (and {@code biasSecondMoment} for softmax) its second, null under SGD. Either the whole shard
 * or, under Partial FC, the sampled rows gathered into fresh tensors.
 */
record ShardTensors(Tensor weight, Tensor momentum, Tensor inverseNorms, Tensor bias, Tensor biasMomentum, Tensor secondMoment,
        Tensor biasSecondMoment) {

    /** The rows {@code index} (int64) gathered into new tensors. */
    ShardTensors select(Tensor index) {
        return new ShardTensors(weight.index_select(0, index), momentum.index_select(0, index),
                inverseNorms == null ? null : inverseNorms.index_select(0, index),
                bias == null ? null : bias.index_select(0, index), biasMomentum == null ? null : biasMomentum.index_select(0, index),
                secondMoment == null ? null : secondMoment.index_select(0, index),
                biasSecondMoment == null ? null : biasSecondMoment.index_select(0, index));
    }

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
