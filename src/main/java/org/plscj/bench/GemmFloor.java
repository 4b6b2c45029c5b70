package org.plscj.bench;

import static org.bytedeco.pytorch.global.torch.mm_out;

import org.bytedeco.pytorch.Tensor;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;

/**
 * The least time one head step can take on this worker with this BLAS and these threads: its
 * three GEMMs at the step's shapes, timed one by one, plus the memory traffic of the momentum
 * update at the measured memory bandwidth. Softmax, margins, communication and bookkeeping are
 * not in it, so a step can approach but not reach it.
 *
 * <p>Shapes: N gathered rows, n classes used per step on this worker (the sampled count under
 * Partial FC), D the embedding size.
 *
 * @param rows          N
 * @param classes       n
 * @param emb           D
 * @param logitsPasses  logits GEMMs per step: 1, or 2 when the head recomputes them in the backward pass
 * @param logitsMs      logits = X·Wᵀ, [N, D] × [D, n]
 * @param inputGradMs   dX = G·W, [N, n] × [n, D] (the faster of it and dXᵀ = Wᵀ·Gᵀ)
 * @param weightGradMs  dW = Gᵀ·X, [n, N] × [N, D]
 * @param bandwidthGBps streaming memory bandwidth, 10⁹ bytes per second
 */
public record GemmFloor(long rows, long classes, int emb, int logitsPasses, double logitsMs, double inputGradMs, double weightGradMs,
        double bandwidthGBps) {
    /** Timed runs per measurement; each is preceded by one untimed run. */
    private static final int REPS = 5;
    /** 256 MiB of fp32 per operand: far beyond any cache, small next to the head. */
    private static final long STREAM_FLOATS = 64L << 20;
    /** The widest GEMMs timed (4 GB of W and 1 GB of logits at D = 512, N = 128); wider floors are scaled from these. */
    static final long MAX_MEASURED_CLASSES = 2_000_000;

    /** Measures the floor; every buffer is freed again before this returns (to the allocator, which may keep it resident). */
    public static GemmFloor measure(long rows, long classes, int emb, int logitsPasses) {
        Placement at = Placement.CPU_FLOAT;
        // why capped: fp32 operands at the step's full width need 4·n·(D + N) bytes, 25 GB at 10M classes, more than a
        // bfloat16 head that fits the machine freed; beyond the cap the GEMMs are timed at the cap's width and scaled by
        // n / cap (at these widths a GEMM's time is linear in n: 1M-class GEMMs are far past any cache effect)
        long measured = Math.min(classes, MAX_MEASURED_CLASSES);
        double scale = (double) classes / measured;
        return Scoped.compute(() -> {
            Tensor x = Tensors.randn(at, rows, emb);
            Tensor w = Tensors.randn(at, measured, emb);
            Tensor z = Tensors.randn(at, rows, measured);
            Tensor dx = Tensors.empty(at, rows, emb);
            Tensor dxT = Tensors.empty(at, emb, rows);
            double logits = Timing.medianMillis(REPS, () -> mm_out(z, x, w.t()));
            // why both layouts: OpenBLAS runs dXᵀ = Wᵀ·Gᵀ markedly faster here, and the head uses it,
            // so the floor must not be the slower form
            double inputGrad = Math.min(Timing.medianMillis(REPS, () -> mm_out(dx, z, w)),
                    Timing.medianMillis(REPS, () -> mm_out(dxT, w.t(), z.t())));
            // why: dW goes into W's own storage, which no later GEMM reads; without a separate [n, D]
            // output the floor needs less memory than the head (no momentum), so it never raises the peak RSS
            double weightGrad = Timing.medianMillis(REPS, () -> mm_out(w, z.t(), x));
            return new GemmFloor(rows, classes, emb, logitsPasses, logits * scale, inputGrad * scale, weightGrad * scale,
                    measureBandwidth());
        });
    }

    /** GB/s of {@code b += α·a} over two large tensors, counting three streams: read a, read b, write b. */
    private static double measureBandwidth() {
        return Scoped.compute(() -> {
            Tensor a = Tensors.empty(Placement.CPU_FLOAT, STREAM_FLOATS).fill_(Tensors.scalar(1));
            Tensor b = Tensors.zeros(Placement.CPU_FLOAT, STREAM_FLOATS);
            double ms = Timing.medianMillis(REPS, () -> b.add_(a, Tensors.scalar(1e-3)));
            return 3.0 * 4 * STREAM_FLOATS / (ms * 1e6);
        });
    }

    /** All GEMMs of a step: the logits pass(es), dX and dW. */
    public double gemmMs() {
        return logitsPasses * logitsMs + inputGradMs + weightGradMs;
    }

    /** Rate of a step's GEMMs together: (passes + 2) × 2·N·n·D flops over their time, 10⁹ flop/s. */
    public double gemmGflops() {
        return (logitsPasses + 2) * 2.0 * rows * classes * emb / (gemmMs() * 1e6);
    }

    /** The update's traffic, 16·n·D bytes: read W, read momentum, write W, write momentum (fp32). */
    public double updateBytes() {
        return 16.0 * classes * emb;
    }

    public double updateMs() {
        return updateBytes() / (bandwidthGBps * 1e6);
    }

    /** floor = GEMMs + update traffic / bandwidth. */
    public double floorMs() {
        return gemmMs() + updateMs();
    }
}
