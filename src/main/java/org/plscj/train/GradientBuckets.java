package org.plscj.train;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.FunctionPostHook;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.Node;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.plscj.comm.Communicator;
import org.plscj.tensor.Tensors;

/**
 * The backbone's gradient summed over workers in buckets while the backward pass still runs, as PyTorch DDP's
 * Reducer does: the parameters are grouped, in reverse order (the order backward produces their gradients), into
 * buckets of about {@code capBytes}; a hook on each parameter's gradient accumulator (autograd's AccumulateGrad node,
 * the node DDP hooks too) counts the bucket's gradients in, and a full bucket starts its all-reduce on Gloo's threads
 * at once. {@link Round#finish} then waits only for what is still in flight: the last buckets.
 *
 * <p>The sum is the same as {@link GradientSync#sumGradients}'s single coalesced all-reduce, element by element: a
 * bucket only decides which elements travel together, not what is added to what. Buckets start strictly in bucket
 * order on every rank (a bucket that fills early waits for the ones before it), because c10d matches collectives
 * across ranks by the order they are started in.
 *
 * <p>Memory: no buffer of its own. Each bucket's all-reduce flattens its gradients into one transient buffer inside
 * Gloo (the single coalesced all-reduce flattens all of them at once), so at most the whole gradient is copied once,
 * as before; per step one small hook object per parameter.
 */
final class GradientBuckets {
    /**
     * DDP's first bucket (torch.distributed's _DEFAULT_FIRST_BUCKET_BYTES): small, so that the first all-reduce starts
     * as soon as the last layers' gradients are there instead of after a whole bucket of them.
     */
    static final long FIRST_BUCKET_BYTES = 1L << 20;

    private final Module backbone;
    private final Communicator comm;
    /** Bucket of each parameter (index into the parameters that require a gradient, in module order). */
    private final int[] bucketOf;
    /** The parameters of each bucket, in start order. */
    private final int[][] members;

    /**
     * @param capBytes a bucket is closed once it holds this many bytes of gradient (the last parameter added may
     *                 overshoot it: a parameter is never split), as DDP's bucket_cap_mb
     */
    GradientBuckets(Module backbone, Communicator comm, long capBytes) {
        this.backbone = backbone;
        this.comm = comm;
        TensorVector parameters = backbone.parameters(true);
        List<Long> bytes = new ArrayList<>();
        List<String> types = new ArrayList<>();
        for (Tensor p : parameters.get()) {
            if (p.requires_grad()) {
                bytes.add(p.numel() * p.element_size());
                types.add(Tensors.dtype(p).name());
            }
        }
        java.lang.ref.Reference.reachabilityFence(parameters);
        List<int[]> buckets = assign(bytes.stream().mapToLong(Long::longValue).toArray(), types.toArray(new String[0]), capBytes);
        this.bucketOf = new int[bytes.size()];
        this.members = buckets.toArray(new int[0][]);
        for (int b = 0; b < members.length; b++) {
            for (int i : members[b]) {
                bucketOf[i] = b;
            }
        }
    }

    /**
     * DDP's assignment (compute_bucket_assignment_by_size): parameters taken in reverse order, a bucket closed once it
     * reaches its cap ({@link #FIRST_BUCKET_BYTES} for the first, {@code capBytes} after) or when the element type
     * changes (one all-reduce sums one type).
     *
     * @param bytes each parameter's gradient size, in module order
     * @param types each parameter's element type, in module order
     * @return the parameter indices of each bucket, in the order the buckets are started
     */
    static List<int[]> assign(long[] bytes, String[] types, long capBytes) {
        if (capBytes <= 0) {
            throw new IllegalArgumentException("a bucket cap must be positive, got " + capBytes + " bytes");
        }
        List<int[]> buckets = new ArrayList<>();
        List<Integer> open = new ArrayList<>();
        long filled = 0;
        for (int i = bytes.length - 1; i >= 0; i--) {
            if (!open.isEmpty() && !types[i].equals(types[open.get(0)])) {
                buckets.add(open.stream().mapToInt(Integer::intValue).toArray());
                open.clear();
                filled = 0;
            }
            open.add(i);
            filled += bytes[i];
            long cap = buckets.isEmpty() ? Math.min(FIRST_BUCKET_BYTES, capBytes) : capBytes;
            if (filled >= cap) {
                buckets.add(open.stream().mapToInt(Integer::intValue).toArray());
                open.clear();
                filled = 0;
            }
        }
        if (!open.isEmpty()) {
            buckets.add(open.stream().mapToInt(Integer::intValue).toArray());
        }
        return buckets;
    }

    int buckets() {
        return members.length;
    }

    /**
     * Arms the hooks for one backward pass: call it after the forward pass (the hooks go on the accumulators of the
     * graph just built) and inside the step's scope; then run backward, then {@link Round#finish}.
     */
    Round start() {
        return new Round();
    }

    /** One backward pass's buckets: counted in by the hooks, started in order, awaited by {@link #finish}. */
    final class Round {
        private final TensorVector parameters = backbone.parameters(true);
        private final List<Tensor> trained = new ArrayList<>();
        private final int[] missing = java.util.Arrays.stream(members).mapToInt(m -> m.length).toArray();
        private final List<Communicator.Pending> started = new ArrayList<>();
        private final List<Node> accumulators = new ArrayList<>();
        private final List<Long> hookKeys = new ArrayList<>();
        // why kept: the native hook calls back into this Java object for as long as the node holds it
        private final List<ReadyHook> hooks = new ArrayList<>();
        private RuntimeException failure;

        private Round() {
            for (Tensor p : parameters.get()) {
                if (p.requires_grad()) {
                    trained.add(p);
                }
            }
            if (trained.size() != bucketOf.length) {
                throw new IllegalStateException("the backbone has " + trained.size() + " trained parameters, its buckets were made for "
                        + bucketOf.length);
            }
            for (int i = 0; i < trained.size(); i++) {
                Tensor p = trained.get(i);
                // why expand_as: a leaf has no grad_fn; the view's grad_fn leads to the leaf's AccumulateGrad node (DDP's trick)
                Node accumulator = p.expand_as(p).grad_fn().next_edge(0).function();
                ReadyHook hook = new ReadyHook(i);
                // the node takes ownership of the hook (a unique_ptr): removed and freed in finish()
                hookKeys.add(accumulator.add_post_hook(hook));
                accumulators.add(accumulator);
                hooks.add(hook);
            }
        }

        /**
         * Called by parameter {@code i}'s hook once its gradient is accumulated: on the thread that called backward
         * (autograd runs a CPU graph's backward on the calling thread), so it never races {@link #finish}.
         */
        private void ready(int i) {
            if (failure != null) {
                return;
            }
            try {
                missing[bucketOf[i]]--;
                while (started.size() < missing.length && missing[started.size()] == 0) {
                    startBucket(started.size());
                }
            } catch (RuntimeException e) {
                // why not thrown: an exception must not unwind through autograd's native frames; finish() rethrows it
                failure = e;
            }
        }

        private void startBucket(int b) {
            List<Tensor> grads = new ArrayList<>();
            for (int i : members[b]) {
                grads.add(GradientSync.gradientOrZeros(trained.get(i)));
            }
            started.add(comm.startAllReduceCoalesced(grads));
        }

        /**
         * After backward: removes the hooks, starts the buckets no hook completed (parameters without a gradient this
         * step take part with zeros), and waits for every bucket. Every gradient then holds the sum over workers.
         *
         * @return how many buckets had started during backward (the rest started here)
         */
        int finish() {
            for (int k = 0; k < accumulators.size(); k++) {
                accumulators.get(k).del_post_hook(hookKeys.get(k));
            }
            if (failure != null) {
                throw failure;
            }
            int duringBackward = started.size();
            while (started.size() < missing.length) {
                startBucket(started.size());
            }
            for (Communicator.Pending bucket : started) {
                bucket.await();
            }
            java.lang.ref.Reference.reachabilityFence(parameters);
            java.lang.ref.Reference.reachabilityFence(hooks);
            return duringBackward;
        }

        private final class ReadyHook extends FunctionPostHook {
            private final int index;

            ReadyHook(int index) {
                this.index = index;
            }

            @Override
            public TensorVector apply(TensorVector outputs, TensorVector inputs) {
                ready(index);
                return outputs;
            }
        }
    }
}
