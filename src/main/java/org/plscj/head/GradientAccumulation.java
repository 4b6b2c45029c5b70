package org.plscj.head;

import org.bytedeco.pytorch.Tensor;
import org.plscj.tensor.Tensors;

/**
 * One update of the head over K micro-batches (gradient_acc K), begun by {@link PartialFC#accumulate}: each
 * {@link #micro} computes the loss and embedding gradients of one micro-batch with the shard as it was at the start
 * of the update and adds 1/K of its ∂L/∂W to a sum; {@link #update} applies the sum once, so the shard moves as one
 * step on the K-times larger batch moves it (the gradient of the mean over all K·B·W rows). Holds the sum ([n, D], n the
 * shard or its Partial FC sample) and, under Partial FC, the sampled rows, until the update.
 *
 * <pre>{@code
 * GradientAccumulation update = head.accumulate(List.of(labels0, labels1));
 * for (int k = 0; k < 2; k++) {
 *     Tensor x = backbone.forward(images[k]);
 *     x.backward(update.micro(x, labels[k]).embeddingGrad());   // backbone gradients add up over k
 * }
 * update.update(lr);
 * }</pre>
 */
public final class GradientAccumulation {
    private final PartialFC head;
    private final ShardTensors target;
    private final Tensor index;
    private final long[] sampled;
    /** The head's sample generation the target rows belong to (Partial FC; 0 otherwise). */
    private final long sampleGeneration;
    private final int microBatches;
    private final Accumulator sum;
    private int done;

    GradientAccumulation(PartialFC head, ShardTensors target, Tensor index, long[] sampled, long sampleGeneration, int microBatches) {
        if (microBatches < 1) {
            throw new IllegalArgumentException("an update needs at least one micro-batch, got " + microBatches);
        }
        this.head = head;
        this.target = target;
        this.index = index;
        this.sampled = sampled;
        this.sampleGeneration = sampleGeneration;
        this.microBatches = microBatches;
        Tensor w = target.weight();
        this.sum = new Accumulator(Tensors.zeros(head.config().placement(), w.size(0), w.size(1)),
                target.bias() == null ? null : Tensors.zeros(head.config().placement(), w.size(0)), 1.0 / microBatches);
    }

    /**
     * The next micro-batch: its loss (mean over its own B·W rows) and accuracy, and ∂(mean loss over all K·B·W rows)/∂x for
     * this worker's rows (1/K of the micro-batch's own). The labels must be those given to {@link PartialFC#accumulate}.
     */
    public HeadResult micro(Tensor embeddings, Tensor labels) {
        if (done == microBatches) {
            throw new IllegalStateException("all " + microBatches + " micro-batches of this update were given already");
        }
        head.checkSample(sampleGeneration);
        done++;
        return head.micro(embeddings, labels, target, sampled, sum);
    }

    /** Applies the summed gradient at learning rate {@code lr}; every micro-batch must have been given. */
    public void update(double lr) {
        if (done != microBatches) {
            throw new IllegalStateException("update after " + done + " of " + microBatches + " micro-batches");
        }
        head.checkSample(sampleGeneration);
        head.applySum(target, index, sum, lr);
    }
}
