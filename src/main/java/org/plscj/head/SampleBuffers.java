package org.plscj.head;

import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;

/**
 * Partial FC's sampled rows, gathered every step into buffers held across steps. Why: the sample has ⌊ratio·n⌋ classes
 * every step (more only when a batch brings more distinct positives, and then the buffers grow once), so one set of
 * buffers serves every step, where fresh [k, D] tensors per step are memory an allocator that returns large blocks to
 * the system (glibc malloc) faults in again every step: 100k rows of W [1M, 512] gathered into a new tensor took
 * 500–700 ms so, 15–25 ms into a held one. Under the launcher's tcmalloc, which keeps freed pages, the two measured the
 * same (BENCHMARKS.md, "Partial FC's sampled rows").
 *
 * <p>Per sampled class they hold the class's row of W and of its momentum (and, under AdamW, of the second moment), D
 * elements each in the stored {@link HeadDtype}, and its 1/‖w‖ (margin losses) or its bias and bias momentum (softmax;
 * plus the bias's second moment under AdamW) in the placement's dtype: at 100k sampled classes of D = 512 in float32,
 * 2 × 200 MB (3 × under AdamW) and 0.4 MB.
 *
 * <p>Each {@link #gather} replaces the previous sample: {@link #generation} tells a holder of an earlier sample (a
 * gradient accumulation) that its rows are gone.
 */
final class SampleBuffers implements AutoCloseable {
    /** One buffer per field of {@link ShardTensors}, in its order; null until a gather needs it. */
    private final Tensor[] held = new Tensor[7];
    private long generation;

    /** The rows {@code index} (int64, sorted, into the shard) of every tensor of {@code whole}, copied into the buffers. */
    ShardTensors gather(ShardTensors whole, Tensor index) {
        generation++;
        return new ShardTensors(rows(0, whole.weight(), index), rows(1, whole.momentum(), index), rows(2, whole.inverseNorms(), index),
                rows(3, whole.bias(), index), rows(4, whole.biasMomentum(), index), rows(5, whole.secondMoment(), index),
                rows(6, whole.biasSecondMoment(), index));
    }

    /** Counts the gathers: a sample taken at one generation is still in the buffers while this returns the same. */
    long generation() {
        return generation;
    }

    private Tensor rows(int slot, Tensor whole, Tensor index) {
        if (whole == null) {
            return null;
        }
        long k = index.size(0);
        if (held[slot] == null || held[slot].size(0) < k) {
            Scoped.release(held[slot]);
            long[] shape = Tensors.shape(whole);
            shape[0] = k;
            held[slot] = Scoped.hold(torch.empty(shape, whole.options(), null));
        }
        // why a view of exactly k rows: index_select's out= variant then writes in place, never resizing the buffer
        Tensor out = held[slot].narrow(0, 0, k);
        torch.index_select_out(out, whole, 0, index);
        return out;
    }

    @Override
    public void close() {
        for (int i = 0; i < held.length; i++) {
            Scoped.release(held[i]);
            held[i] = null;
        }
    }
}
