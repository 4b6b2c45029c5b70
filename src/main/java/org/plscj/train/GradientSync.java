package org.plscj.train;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.plscj.comm.Communicator;

/**
 * Data parallelism for the backbone: one starting point for every worker, and gradients combined
 * across workers after each backward pass ({@link GradientBuckets} combines them during it).
 */
public final class GradientSync {
    private GradientSync() {}

    /** Every worker takes rank 0's parameters and buffers (BatchNorm statistics), as DDP does at start. */
    public static void broadcastFromRankZero(Module backbone, Communicator comm) {
        if (comm.worldSize() == 1) {
            return;
        }
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (TensorVector group : List.of(backbone.parameters(true), backbone.buffers(true))) {
                for (Tensor t : group.get()) {
                    // why one call per tensor: c10d broadcast wants equal shapes within one call; this runs once
                    comm.broadcast(t, 0);
                }
            }
        }
    }

    /** Every worker takes rank 0's values of {@code tensors} (e.g. the optimizer's momentum after a resume). */
    public static void broadcastFromRankZero(java.util.Collection<Tensor> tensors, Communicator comm) {
        if (comm.worldSize() == 1) {
            return;
        }
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (Tensor t : tensors) {
                comm.broadcast(t, 0);
            }
        }
    }

    /**
     * ∇θ L = Σ_r ∇θ L_r: the head hands each worker ∂(global mean loss)/∂x for its own rows, so the
     * per-worker backbone gradients are partial sums of the single-device gradient and must be SUMMED
     * (DDP's average would divide by the world size a second time). One coalesced all-reduce.
     */
    public static void sumGradients(Module backbone, Communicator comm) {
        if (comm.worldSize() == 1) {
            return;
        }
        List<Tensor> grads = new ArrayList<>();
        TensorVector parameters = backbone.parameters(true);
        for (Tensor p : parameters.get()) {
            if (p.requires_grad()) {
                grads.add(gradientOrZeros(p));
            }
        }
        comm.allReduceCoalesced(grads);
        // why: the Tensors above point into the vector's storage; it must outlive their use
        java.lang.ref.Reference.reachabilityFence(parameters);
    }

    /**
     * {@code p}'s gradient; a parameter that got none this step (unused on this worker) is given zeros, because it
     * still takes part in the all-reduce: every rank must send the same tensors.
     */
    static Tensor gradientOrZeros(Tensor p) {
        Tensor g = p.grad();
        if (!g.defined()) {
            g = org.bytedeco.pytorch.global.torch.zeros_like(p);
            p.mutable_grad().put(g);
        }
        return g;
    }
}
