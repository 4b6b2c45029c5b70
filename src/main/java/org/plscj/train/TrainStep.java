package org.plscj.train;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.DeviceType;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.plscj.comm.Communicator;
import org.plscj.head.HeadResult;
import org.plscj.head.PartialFC;
import org.plscj.model.Backbone;
import org.plscj.train.StepPhases.Phase;

/**
 * One training step on every worker, the data flow of PLSC:
 * x = backbone(images) → head (model parallel: all-gather, partial logits, distributed softmax, shard update)
 * → ∂L/∂x → backbone backward → Σ_workers ∇θ (one coalesced all-reduce) → SGD update of θ.
 * Call it inside the caller's per-step {@code PointerScope}.
 */
public final class TrainStep {
    private final Backbone backbone;
    private final PartialFC head;
    private final BackboneSgd sgd;
    private final Communicator comm;
    private final boolean bf16Autocast;
    private final StepPhases phases = new StepPhases();

    /**
     * @param bf16Autocast run the backbone's forward under CPU autocast to bfloat16 (fp32 master weights;
     *                     the head always computes in fp32)
     */
    public TrainStep(Backbone backbone, PartialFC head, BackboneSgd sgd, Communicator comm, boolean bf16Autocast) {
        this.backbone = backbone;
        this.head = head;
        this.sgd = sgd;
        this.comm = comm;
        this.bf16Autocast = bf16Autocast;
    }

    /** Trains on one batch (images [B,3,112,112], labels [B]) at learning rate {@code lr}; {@code since} starts the first lap. */
    public HeadResult run(Tensor images, Tensor labels, double lr, long since) {
        backbone.train(true);
        backbone.zero_grad(true);
        long t = since;
        Tensor x = forward(images);
        t = phases.lap(Phase.FORWARD, t);
        HeadResult result = head.step(x, labels, lr);
        t = phases.lap(Phase.HEAD, t);
        // the head's ∂L/∂x enters the backbone's graph as the output gradient (same as (x·g).sum().backward())
        x.backward(result.embeddingGrad(), new org.bytedeco.pytorch.BoolOptional(), false,
                new org.bytedeco.pytorch.TensorArrayRefOptional());
        t = phases.lap(Phase.BACKWARD, t);
        GradientSync.sumGradients(backbone, comm);
        t = phases.lap(Phase.ALL_REDUCE, t);
        sgd.step(lr);
        phases.lap(Phase.UPDATE, t);
        phases.countStep();
        return result;
    }

    private Tensor forward(Tensor images) {
        if (!bf16Autocast) {
            return backbone.forward(images);
        }
        // why no cast cache: each weight is cast once per forward anyway, and a cache kept across steps
        // would hold bf16 copies of stale weights (the presets do not expose clear_cache)
        torch.set_autocast_cache_enabled(false);
        torch.set_autocast_dtype(DeviceType.CPU, ScalarType.BFloat16);
        torch.set_autocast_enabled(DeviceType.CPU, true);
        try {
            return backbone.forward(images).to(ScalarType.Float);
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

    public BackboneSgd optimizer() {
        return sgd;
    }
}
