package org.plscj.train;

import java.util.List;
import java.util.function.Supplier;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.plscj.comm.Communicator;
import org.plscj.head.GradientAccumulation;
import org.plscj.head.HeadResult;
import org.plscj.head.NonFiniteException;
import org.plscj.head.PartialFC;
import org.plscj.model.Backbone;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;
import org.plscj.train.StepPhases.Phase;

/**
 * One training step on every worker, the data flow of PLSC:
 * x = backbone(images) → head (model parallel: all-gather, partial logits, distributed softmax, shard update)
 * → ∂L/∂x → backbone backward → Σ_workers ∇θ → ‖∇θ‖ checked (and clipped) → SGD or AdamW update of θ. The gradient sum is
 * either one coalesced all-reduce after backward, or bucketed ({@link GradientBuckets}): each bucket's all-reduce
 * starts during backward as soon as its gradients are there, and the update waits only for the last ones.
 * Call it inside the caller's per-step scope ({@link org.plscj.tensor.Scoped}).
 *
 * <p>Non-finite values stop the step on every worker alike before they reach a weight: the head refuses
 * non-finite embeddings or loss before it updates its shard, and the backbone's update is not applied when its
 * gradient norm is not finite ({@link NonFiniteException} names the first parameter). A worker whose own embeddings are
 * not finite runs the backbone again on the batch to name the first layer whose output is not finite
 * ({@link NonFiniteLayer}); its message gains that clause, the outcome is every worker's alike as before.
 */
public final class TrainStep {
    /** What a step produced: the global mean loss, the train accuracy, and ‖∇θ‖₂ of the backbone before clipping. */
    public record Result(double loss, double accuracy, double gradNorm) {}

    private final Backbone backbone;
    private final PartialFC head;
    private final BackboneOptimizer optimizer;
    private final Communicator comm;
    private final boolean bf16Autocast;
    private final double clipGradNorm;
    /** Null: one coalesced all-reduce after backward. */
    private final GradientBuckets buckets;
    private final StepPhases phases = new StepPhases();
    /** Whether the last failed step's embeddings were this worker's to locate (its message names the layer). */
    private boolean locatedHere;

    /**
     * @param bf16Autocast run the backbone's forward under CPU autocast to bfloat16 (fp32 master weights; the head
     *                     always computes in fp32)
     */
    public TrainStep(Backbone backbone, PartialFC head, BackboneOptimizer optimizer, Communicator comm, boolean bf16Autocast) {
        this(backbone, head, optimizer, comm, bf16Autocast, 0);
    }

    /**
     * @param clipGradNorm clip the backbone's global gradient to this L2 norm (torch's clip_grad_norm_); 0 = off.
     *                     The head is excluded: its shard update is exact and its own (PLSC's no_clip_list: ['dist'])
     */
    public TrainStep(Backbone backbone, PartialFC head, BackboneOptimizer optimizer, Communicator comm, boolean bf16Autocast, double clipGradNorm) {
        this(backbone, head, optimizer, comm, bf16Autocast, clipGradNorm, 0);
    }

    /**
     * @param bucketCapMb sum the backbone's gradient over workers in buckets of this many MiB (the config's
     *                    bucket_cap_mb, DDP's bucket_cap_mb), overlapped with backward; 0 = one coalesced all-reduce
     *                    after backward. The sums are the same either way
     */
    public TrainStep(Backbone backbone, PartialFC head, BackboneOptimizer optimizer, Communicator comm, boolean bf16Autocast, double clipGradNorm,
            double bucketCapMb) {
        if (!(bucketCapMb >= 0) || Double.isInfinite(bucketCapMb)) {
            throw new IllegalArgumentException("bucket_cap_mb must be a finite number ≥ 0 (0 = one all-reduce after backward), got " + bucketCapMb);
        }
        this.buckets = bucketCapMb > 0 && comm.worldSize() > 1
                ? new GradientBuckets(backbone, comm, Math.max(1, Math.round(bucketCapMb * (1 << 20)))) : null;
        this.backbone = backbone;
        this.head = head;
        this.optimizer = optimizer;
        this.comm = comm;
        this.bf16Autocast = bf16Autocast;
        this.clipGradNorm = clipGradNorm;
    }

    /**
     * Trains on one batch (images [B,3,112,112], labels [B]) at learning rate {@code lr}; {@code since} starts the first lap.
     *
     * @throws NonFiniteException on every worker alike when the embeddings, the loss or the backbone's gradient is not
     *                            finite; the backbone is then not updated (nor is the head, unless only the backbone's
     *                            gradient was non-finite: the head's own update used a finite loss and finite embeddings)
     */
    public Result run(Tensor images, Tensor labels, double lr, long since) {
        return runBatch(images, labels, lr, lr, since);
    }

    private Result runBatch(Tensor images, Tensor labels, double lr, double backboneLr, long since) {
        backbone.train(true);
        backbone.zero_grad(true);
        locatedHere = false;
        long t = since;
        Tensor x = forward(images);
        t = phases.lap(Phase.FORWARD, t);
        HeadResult result;
        try {
            result = head.step(x, labels, lr);
        } catch (NonFiniteException e) {
            throw located(e, x, images);
        }
        t = phases.lap(Phase.HEAD, t);
        // the head's ∂L/∂x enters the backbone's graph as the output gradient (same as (x·g).sum().backward())
        GradientBuckets.Round round = buckets == null ? null : buckets.start();
        x.backward(result.embeddingGrad(), new org.bytedeco.pytorch.BoolOptional(), false,
                new org.bytedeco.pytorch.TensorArrayRefOptional());
        t = phases.lap(Phase.BACKWARD, t);
        return updateBackbone(round, backboneLr, t, result.loss(), result.accuracy());
    }

    /**
     * One update over K micro-batches (gradient_acc K = images.size()): each micro-batch's forward, head and backward in a
     * scope of its own (its activations are freed before the next one's forward), the backbone's gradients adding up
     * over them and summed over workers once, after the last backward (its buckets, if any, armed for that backward
     * only, as DDP's no_sync); the head's shard updated once ({@link GradientAccumulation}). For a backbone without
     * BatchNorm this is exactly one step on the K-times larger batch. The loss and accuracy are the micro-batches' means.
     *
     * @throws NonFiniteException as {@link #run(Tensor, Tensor, double, long)}
     */
    public Result run(List<Tensor> images, List<Tensor> labels, double lr, long since) {
        return run(images, labels, lr, lr, since);
    }

    /**
     * As {@link #run(List, List, double, long)} with the backbone's own learning rate (backbone_lr_scale,
     * freeze_backbone_steps): 0 leaves the backbone and its optimizer's state untouched (its gradient is still computed
     * and its norm reported), the head alone is trained.
     */
    public Result run(List<Tensor> images, List<Tensor> labels, double lr, double backboneLr, long since) {
        if (images.size() == 1) {
            return runBatch(images.get(0), labels.get(0), lr, backboneLr, since);
        }
        backbone.train(true);
        backbone.zero_grad(true);
        locatedHere = false;
        GradientAccumulation update = head.accumulate(labels);
        long[] clock = {since};
        double[] lossAndAccuracy = new double[2];
        GradientBuckets.Round[] round = new GradientBuckets.Round[1];
        for (int k = 0; k < images.size(); k++) {
            int micro = k;
            Scoped.run(() -> {
                Tensor x = forward(images.get(micro));
                clock[0] = phases.lap(Phase.FORWARD, clock[0]);
                HeadResult result;
                try {
                    result = update.micro(x, labels.get(micro));
                } catch (NonFiniteException e) {
                    throw located(e, x, images.get(micro));
                }
                clock[0] = phases.lap(Phase.HEAD, clock[0]);
                lossAndAccuracy[0] += result.loss() / images.size();
                lossAndAccuracy[1] += result.accuracy() / images.size();
                if (micro == images.size() - 1 && buckets != null) {
                    round[0] = buckets.start();
                }
                x.backward(result.embeddingGrad(), new org.bytedeco.pytorch.BoolOptional(), false,
                        new org.bytedeco.pytorch.TensorArrayRefOptional());
                clock[0] = phases.lap(Phase.BACKWARD, clock[0]);
            });
        }
        update.update(lr);
        long t = phases.lap(Phase.HEAD, clock[0]);
        return updateBackbone(round[0], backboneLr, t, lossAndAccuracy[0], lossAndAccuracy[1]);
    }

    /** Σ_workers ∇θ (the buckets' round, or one coalesced all-reduce), the norm checked and clipped, the update. */
    private Result updateBackbone(GradientBuckets.Round round, double lr, long since, double loss, double accuracy) {
        long t = since;
        // with buckets, ALL_REDUCE is only the communication backward did not hide
        if (round != null) {
            round.finish();
        } else {
            GradientSync.sumGradients(backbone, comm);
        }
        t = phases.lap(Phase.ALL_REDUCE, t);
        // every worker holds the same summed gradient now, so each computes the same global norm
        double norm = GradientNorm.of(optimizer.parameters());
        if (!Double.isFinite(norm)) {
            String bad = GradientNorm.firstNonFinite(optimizer.parameters());
            throw new NonFiniteException(bad == null ? "the backbone's gradient norm" : "the gradient of " + bad);
        }
        if (clipGradNorm > 0) {
            GradientNorm.clip(optimizer.parameters(), norm, clipGradNorm);
        }
        if (lr > 0) {
            optimizer.step(lr);
        }
        phases.lap(Phase.UPDATE, t);
        phases.countStep();
        return new Result(loss, accuracy, norm);
    }

    /**
     * {@code e} with the first non-finite layer named, when this worker's {@code embeddings} are not finite: another
     * worker's are that worker's to locate, and finite embeddings with a non-finite loss have no layer to name.
     */
    private NonFiniteException located(NonFiniteException e, Tensor embeddings, Tensor images) {
        locatedHere = !Tensors.allFinite(embeddings);
        if (!locatedHere) {
            return e;
        }
        return new NonFiniteException(e.quantity(), e.getMessage() + "; " + NonFiniteLayer.locate(backbone, images, bf16Autocast));
    }

    /**
     * Whether this worker's embeddings were non-finite in the last step that threw {@link NonFiniteException} (its
     * message then says which layer): the trainer prints a skipped step's line from rank 0 and from this worker.
     */
    public boolean locatedHere() {
        return locatedHere;
    }

    private Tensor forward(Tensor images) {
        return inPrecision(bf16Autocast, () -> backbone.forward(images));
    }

    /** Runs {@code forward} under CPU autocast to bfloat16 when {@code bf16Autocast}, its result in float32. */
    static Tensor inPrecision(boolean bf16Autocast, Supplier<Tensor> forward) {
        if (!bf16Autocast) {
            return forward.get();
        }
        // why no cast cache: each weight is cast once per forward anyway, and a cache kept across steps
        // would hold bf16 copies of stale weights (the presets do not expose clear_cache)
        torch.set_autocast_cache_enabled(false);
        torch.set_autocast_dtype(DeviceType.CPU, ScalarType.BFloat16);
        torch.set_autocast_enabled(DeviceType.CPU, true);
        try {
            // why NCHW, not channels-last: oneDNN's bf16 convolutions are faster in NHWC, but PyTorch's PReLU and BatchNorm
            // backward in NHWC bf16 are scalar loops here; IResNet50 at batch 64 took 5.5–6.2 s per step on NCHW images
            // and 6.9–8.1 s on channels-last ones (2-vCPU EPYC with AVX512-BF16, alternating runs)
            return forward.get().to(ScalarType.Float);
        } finally {
            torch.set_autocast_enabled(DeviceType.CPU, false);
        }
    }

    public StepPhases phases() {
        return phases;
    }

    public Backbone backbone() {
        return backbone;
    }

    public PartialFC head() {
        return head;
    }

    public BackboneOptimizer optimizer() {
        return optimizer;
    }
}
