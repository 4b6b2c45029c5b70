package org.plscj.train;

import org.plscj.head.HeadConfig;

/**
 * An estimate of how many classes fit in memory: what one class costs the head on one worker,
 * and how many such classes the memory available at start holds after a reserve for the JVM,
 * libtorch and the backbone. It ignores allocator fragmentation and per-step temporaries of size
 * [N, D], so treat it as an upper bound.
 *
 * @param bytesPerClass       head memory per class of a worker's shard
 * @param availableBytes      MemAvailable when the benchmark started
 * @param maxClassesPerWorker classes one worker can own when the workers of this host share the available memory
 * @param maxClassesTotal     {@code maxClassesPerWorker} × world size
 */
public record MemoryPlan(long bytesPerClass, long availableBytes, long maxClassesPerWorker, long maxClassesTotal) {
    /** Kept free for the JVM, the native libraries and everything that is not the head. */
    public static final long RESERVE_BYTES = 3L << 29;

    /**
     * @param config       the head (embedding size, loss, sample ratio)
     * @param rows         N = batch × world size, the gathered rows per step
     * @param worldSize    workers in the job
     * @param localWorkers workers sharing this host's memory
     */
    public static MemoryPlan of(HeadConfig config, long rows, int worldSize, int localWorkers, long availableBytes) {
        double r = config.sampleRatio();
        long d = config.embDim();
        // per class: W and momentum (2·D·e, e = 4 bytes in float32, 2 in bfloat16 head_dtype) + its share of the
        // [N, r·n] logits buffer (4·N·r, none when the logits are recomputed) + with sampling, the step's gathered
        // copies of W and momentum (2·D·e·r) + 1/‖w‖ (4, margin losses) or bias and its momentum (8, softmax: float32
        // whatever head_dtype); AdamW adds its second moment beside the momentum (D·e more per class and per gathered
        // row, 4 more for a bias)
        double tensors = config.adamW() ? 3 : 2;
        double e = config.headDtype().bytes();
        double logits = config.recomputeLogits() ? 0 : 4.0 * rows * r;
        double perClass = e * tensors * d + logits + (r < 1 ? e * tensors * d * r : 0)
                + (config.lossType().normalised() ? 4 : 4 * tensors);
        long bytesPerClass = (long) Math.ceil(perClass);
        long perWorker = Math.max(0, (availableBytes - RESERVE_BYTES) / ((long) localWorkers * bytesPerClass));
        return new MemoryPlan(bytesPerClass, availableBytes, perWorker, perWorker * worldSize);
    }
}
