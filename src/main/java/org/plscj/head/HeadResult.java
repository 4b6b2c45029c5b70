package org.plscj.head;

import org.bytedeco.pytorch.Tensor;

/**
 * What one head step returns on every worker.
 *
 * @param loss          the global mean cross entropy over all workers' rows (equal on every worker)
 * @param accuracy      fraction of all workers' rows whose largest logit, without margin, is the label
 *                      (over the sampled classes when sample_ratio &lt; 1)
 * @param embeddingGrad ∂loss/∂x for this worker's own embeddings [B, D]; feed it to
 *                      {@code x.backward(embeddingGrad)}. Summing (not averaging) the backbone
 *                      gradients over workers then gives the single-device gradient of the mean loss.
 */
public record HeadResult(double loss, double accuracy, Tensor embeddingGrad) {}
