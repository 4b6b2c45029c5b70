package org.plscj.head;

import org.bytedeco.pytorch.Tensor;

/**
 * The tensors one step updates in place: W [n, D], its momentum, and 1/‖w‖ (margin losses) or the
 * bias and its momentum (softmax; null otherwise); under AdamW the momentum is AdamW's first moment and
 * {@code secondMoment} (and {@code biasSecondMoment} for softmax) its second, null under SGD. The step's rows are either
 * all of them ({@code index} null), or, under Partial FC, the sampled rows {@code index} of the whole shard's tensors,
 * which the step gathers and writes back one block at a time ({@link #block}, {@link #putBlock}): no [n_sampled, D]
 * copy of W and its momentum is ever made, each block's rows are read once and written once (measured at 1M classes,
 * ratio 0.1: the whole-subset gather and write-back took ~170 ms of a 530 ms step), or gathered into fresh tensors
 * ({@link #select}, gradient accumulation's subset).
 */
record ShardTensors(Tensor weight, Tensor momentum, Tensor inverseNorms, Tensor bias, Tensor biasMomentum, Tensor secondMoment,
        Tensor biasSecondMoment, Tensor index) {

    /** The rows {@code index} (int64) gathered into new tensors. */
    ShardTensors select(Tensor index) {
        return new ShardTensors(weight.index_select(0, index), momentum.index_select(0, index),
                inverseNorms == null ? null : inverseNorms.index_select(0, index),
                bias == null ? null : bias.index_select(0, index), biasMomentum == null ? null : biasMomentum.index_select(0, index),
                secondMoment == null ? null : secondMoment.index_select(0, index),
                biasSecondMoment == null ? null : biasSecondMoment.index_select(0, index), null);
    }

    /** The same tensors with the step's rows being {@code index} (int64, sorted) of them. */
    ShardTensors sampled(Tensor index) {
        return new ShardTensors(weight, momentum, inverseNorms, bias, biasMomentum, secondMoment, biasSecondMoment, index);
    }

    /** Rows of the step: the shard's, or the sampled count. */
    long size() {
        return index == null ? weight.size(0) : index.size(0);
    }

    /** The step's rows [lo, lo + len) of {@code t} (one of these tensors, or null): a view, or gathered under an index. */
    Tensor rowsOf(Tensor t, long lo, long len) {
        if (t == null) {
            return null;
        }
        return index == null ? t.narrow(0, lo, len) : t.index_select(0, index.narrow(0, lo, len));
    }

    /** The step's rows [lo, lo + len) of every tensor: views, written in place, or gathered copies for {@link #putBlock}. */
    ShardTensors block(long lo, long len) {
        return new ShardTensors(rowsOf(weight, lo, len), rowsOf(momentum, lo, len), rowsOf(inverseNorms, lo, len), rowsOf(bias, lo, len),
                rowsOf(biasMomentum, lo, len), rowsOf(secondMoment, lo, len), rowsOf(biasSecondMoment, lo, len), null);
    }

    /** Writes a {@link #block} from step row {@code lo} back: nothing to do for views, a scatter for gathered rows. */
    void putBlock(long lo, ShardTensors rows) {
        if (index != null) {
            put(index.narrow(0, lo, rows.weight.size(0)), rows);
        }
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
