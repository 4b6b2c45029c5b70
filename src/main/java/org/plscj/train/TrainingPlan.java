package org.plscj.train;

import org.bytedeco.javacpp.PointerScope;
import org.bytedeco.pytorch.Tensor;
import org.plscj.head.ClassShard;
import org.plscj.head.HeadConfig;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Tensors;

/**
 * {@code plsc plan}: the memory one worker needs for a config, before the head is allocated.
 * Head terms are arithmetic (as {@link MemoryPlan}); the backbone's parameters are counted from the built
 * network (θ, ∇θ and momentum: 3 × 4 bytes each), and its activations are measured: the peak resident set
 * grows by that much per image between a step at a small batch and one at twice that batch, scaled to train_batch_size.
 *
 * @param classesPerWorker n_r of the largest shard
 * @param weightBytes      W_r [n_r, D] fp32
 * @param momentumBytes    its momentum
 * @param logitsBytes      the step's [N, r·n_r] logits buffer (0 when recomputed)
 * @param backboneBytes    backbone parameters, gradients and momentum
 * @param activationBytes  backbone activations at train_batch_size (measured, scaled)
 * @param head             the class-count limit for this machine's available memory
 */
public record TrainingPlan(long classesPerWorker, long weightBytes, long momentumBytes, long logitsBytes, long backboneBytes,
        long activationBytes, MemoryPlan head) {
    private static final int PROBE_BATCH = 4;

    public long totalBytes() {
        return weightBytes + momentumBytes + logitsBytes + backboneBytes + activationBytes;
    }

    /** Plans {@code config} on {@code worldSize} workers, {@code localWorkers} of them on this machine. */
    public static TrainingPlan of(TrainConfig config, int worldSize, int localWorkers) {
        HeadConfig head = HeadConfig.of(config.numClasses(), config.embDim(), config.lossType()).withSampleRatio(config.sampleRatio())
                .withRecomputedLogits(config.recomputeLogits());
        long n = ClassShard.of(config.numClasses(), worldSize, 0).size();
        long rows = (long) config.trainBatchSize() * worldSize;
        long w = n * config.embDim() * 4L;
        long logits = config.recomputeLogits() ? 0 : (long) Math.ceil(rows * config.sampleRatio() * n) * 4L;
        long available = MemoryProbe.availableBytes();
        long backbone;
        long activations;
        try (PointerScope scope = new PointerScope(); Backbone net = Backbones.create(config.modelName(), config.embDim())) {
            backbone = 0;
            for (Tensor p : net.parameters().get()) {
                backbone += p.numel() * 4L * 3;
            }
            activations = activationBytesPerImage(net) * config.trainBatchSize();
        }
        long otherBytes = backbone + activations;
        MemoryPlan fit = MemoryPlan.of(head, rows, worldSize, localWorkers, Math.max(0, available - otherBytes * localWorkers));
        return new TrainingPlan(n, w, w, logits, backbone, activations, fit);
    }

    /**
     * (peak RSS after a step at 2·b − peak RSS after a step at b) / b: the first step pays the one-off costs
     * (library initialisation, scratch buffers), the second only its extra images, whose buffers the allocator
     * cannot take from the first step's freed ones.
     */
    private static long activationBytesPerImage(Backbone net) {
        net.train(true);
        probeStep(net, PROBE_BATCH);
        double before = MemoryProbe.peakRssMb();
        probeStep(net, 2 * PROBE_BATCH);
        return (long) ((MemoryProbe.peakRssMb() - before) * 1024 * 1024 / PROBE_BATCH);
    }

    private static void probeStep(Backbone net, int batch) {
        try (PointerScope scope = new PointerScope()) {
            net.forward(Tensors.randn(Placement.CPU_FLOAT, batch, 3, 112, 112)).sum().backward();
            net.zero_grad(true);
        }
    }
}
