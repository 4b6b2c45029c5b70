package org.plscj.train;

import java.util.ArrayList;
import java.util.List;
import org.bytedeco.pytorch.Module;
import org.bytedeco.pytorch.NoGradGuard;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.plscj.tensor.Scoped;

/**
 * The backbone's buffers (BatchNorm running statistics) as they were before a step. A train-mode forward
 * updates them before anyone knows whether the step is finite; under {@code nan_policy: skip} a skipped step
 * restores them, so it leaves no trace in the model. Holds one copy of the buffers (a few hundred KB for IResNet).
 */
final class BufferSnapshot implements AutoCloseable {
    private final List<Tensor> live = new ArrayList<>();
    private final List<Tensor> saved = new ArrayList<>();

    BufferSnapshot(Module backbone) {
        TensorVector buffers = backbone.buffers(true);
        for (Tensor b : buffers.get()) {
            live.add(Scoped.holdHandle(b));
            saved.add(Scoped.hold(b.clone()));
        }
    }

    /** Remembers the buffers' current values. */
    void save() {
        copy(live, saved);
    }

    /** Puts the remembered values back. */
    void restore() {
        copy(saved, live);
    }

    private static void copy(List<Tensor> from, List<Tensor> to) {
        try (NoGradGuard noGrad = new NoGradGuard()) {
            for (int i = 0; i < from.size(); i++) {
                to.get(i).copy_(from.get(i));
            }
        }
    }

    @Override
    public void close() {
        live.forEach(Scoped::release);
        saved.forEach(Scoped::release);
        live.clear();
        saved.clear();
    }
}
