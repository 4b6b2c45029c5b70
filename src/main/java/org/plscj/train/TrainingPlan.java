package org.plscj.train;

import java.util.Optional;
import org.plscj.head.ClassShard;
import org.plscj.head.HeadConfig;
import org.plscj.head.HeadDtype;
import org.plscj.io.MemoryProbe;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.model.ForwardCost;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;

/**
 * {@code plsc plan}: the memory one worker needs for a config, before the head is allocated.
 * Head terms are arithmetic (as {@link MemoryPlan}); the backbone's parameters are counted from the built
 * network (θ, ∇θ and momentum: 3 × 4 bytes each; 4 × 4 under AdamW), and its activations from its layer shapes: autograd keeps every value
 * of the forward pass until backward reaches it ({@link ForwardCost#valueElements}), and backward adds their gradients,
 * so {@value #ACTIVATION_COPIES} × 4 bytes per value and image. Measured (peak RSS growth per image between steps at
 * batch 8 and 16, fp32): 1.37× the values' bytes for r50, 1.4× for MobileFaceNet; 2.0–2.4× for the toy TinyFaceNet,
 * whose per-step scratch buffers outweigh its few activations (under a megabyte an image: never what decides a fit). A custom
 * backbone that does not describe its layers is measured instead (see {@link #of(TrainConfig, int, int)}).
 *
 * @param classesPerWorker n_r of the largest shard
 * @param weightBytes      W_r [n_r, D] in head_dtype (4 or 2 bytes an element)
 * @param momentumBytes    its momentum (and AdamW's second moment)
 * @param logitsBytes      the step's [N, r·n_r] logits buffer (0 when recomputed)
 * @param backboneBytes    backbone parameters, gradients and momentum (AdamW: both moments)
 * @param activationBytes  backbone activations at train_batch_size
 * @param localWorkers     workers sharing this machine's memory
 * @param head             the class-count limit for this machine's available memory
 */
public record TrainingPlan(long classesPerWorker, long weightBytes, long momentumBytes, long logitsBytes, long backboneBytes,
        long activationBytes, int localWorkers, MemoryPlan head) {
    private static final int PROBE_BATCH = 4;
    /** Bytes per value and image in fp32 training: the value and, during backward, its gradient. */
    static final int ACTIVATION_COPIES = 2;

    public long totalBytes() {
        return weightBytes + momentumBytes + logitsBytes + backboneBytes + activationBytes;
    }

    /** Whether the machine's workers fit in the memory available when the plan was made. */
    public boolean fits() {
        return totalBytes() * localWorkers <= head.availableBytes();
    }

    /**
     * Plans {@code config} on {@code worldSize} workers, {@code localWorkers} of them on this machine. A custom backbone
     * that does not describe its layers ({@link Backbone#exportTo}) has its activations measured instead: the peak
     * resident set's growth per image between a training step at a small batch and one at twice that batch.
     */
    public static TrainingPlan of(TrainConfig config, int worldSize, int localWorkers) {
        try (Backbone net = Backbones.create(config.modelName(), config.embDim())) {
            return of(config, worldSize, localWorkers, net);
        }
    }

    /** As above, for {@code net}, a backbone the config builds that serves only plans: measuring runs steps through it. */
    public static TrainingPlan of(TrainConfig config, int worldSize, int localWorkers, Backbone net) {
        return counted(config, worldSize, localWorkers, net)
                .orElseGet(() -> plan(config, worldSize, localWorkers, net, measuredActivationBytesPerImage(net)));
    }

    /**
     * The plan for the backbone {@code net} the config builds, its activations counted from its layer shapes; empty when
     * it does not describe them. Runs nothing through {@code net}.
     */
    public static Optional<TrainingPlan> counted(TrainConfig config, int worldSize, int localWorkers, Backbone net) {
        long values;
        try {
            values = ForwardCost.perImage(net).valueElements();
        } catch (UnsupportedOperationException e) {
            return Optional.empty();
        }
        return Optional.of(plan(config, worldSize, localWorkers, net, ACTIVATION_COPIES * 4L * values));
    }

    private static TrainingPlan plan(TrainConfig config, int worldSize, int localWorkers, Backbone net, long activationsPerImage) {
        HeadConfig head = HeadConfig.of(config.numClasses(), config.embDim(), config.lossType()).withSampleRatio(config.sampleRatio())
                .withRecomputedLogits(config.recomputeLogits()).withAdamW(config.optimizer().equals("adamw"))
                .withHeadDtype(HeadDtype.of(config.headDtype()));
        long n = ClassShard.of(config.numClasses(), worldSize, 0).size();
        long rows = (long) config.trainBatchSize() * worldSize;
        long w = n * config.embDim() * (long) head.headDtype().bytes();
        long logits = config.recomputeLogits() ? 0 : (long) Math.ceil(rows * config.sampleRatio() * n) * 4L;
        long available = MemoryProbe.availableBytes();
        // θ, ∇θ and SGD's momentum, or AdamW's two moments
        long backbone = Backbones.parameterCount(net) * 4L * (head.adamW() ? 4 : 3);
        long activations = activationsPerImage * config.trainBatchSize();
        long otherBytes = backbone + activations;
        MemoryPlan fit = MemoryPlan.of(head, rows, worldSize, localWorkers, Math.max(0, available - otherBytes * localWorkers));
        return new TrainingPlan(n, w, head.adamW() ? 2 * w : w, logits, backbone, activations, localWorkers, fit);
    }

    /**
     * (peak RSS after a step at 2·b − peak RSS after a step at b) / b: the first step pays the one-off costs (library
     * initialisation, scratch buffers), the second only its extra images, whose buffers the allocator cannot take from
     * the first step's freed ones. Changes {@code net}'s BatchNorm statistics: only for a backbone built for the plan.
     */
    private static long measuredActivationBytesPerImage(Backbone net) {
        net.train(true);
        probeStep(net, PROBE_BATCH);
        double before = MemoryProbe.peakRssMb();
        probeStep(net, 2 * PROBE_BATCH);
        return (long) ((MemoryProbe.peakRssMb() - before) * 1024 * 1024 / PROBE_BATCH);
    }

    private static void probeStep(Backbone net, int batch) {
        Scoped.run(() -> {
            net.forward(Tensors.randn(Placement.CPU_FLOAT, batch, 3, 112, 112)).sum().backward();
            net.zero_grad(true);
        });
    }
}
