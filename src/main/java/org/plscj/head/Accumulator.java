package org.plscj.head;

import org.bytedeco.pytorch.Tensor;

/**
 * The head's gradient summed over the micro-batches of one update (gradient_acc): ∂L/∂W of the rows the update runs on
 * (the shard, or its Partial FC sample) and ∂L/∂b for softmax (else null), each micro-batch's share scaled by
 * {@code scale} = 1/K so that the sum is the gradient of the mean over all K micro-batches' rows. One more [n, D] tensor
 * for the update's duration.
 */
record Accumulator(Tensor weightGrad, Tensor biasGrad, double scale) {}
