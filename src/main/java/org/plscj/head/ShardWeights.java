package org.plscj.head;

import static org.plscj.tensor.Tensors.rowNorms;
import static org.plscj.tensor.Tensors.rows;

import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.bytedeco.pytorch.global.torch.ScalarType;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;

/**
 * One worker's slice of the classifier and its optimizer state, long-lived across steps:
 * the class centres W_r [n_r, D] and their momentum; for margin losses the cached 1/‖w_j‖
 * (kept current by the update, so no step re-reads W just to normalise it); for softmax the
 * bias and its momentum. Under AdamW the momentum is AdamW's first moment and a second moment of the same
 * shape sits beside it (one more n_r·D floats; null under SGD). All tensors are held (Scoped.hold) beyond any step's scope.
 *
 * <p>W, its momentum and the second moment are stored in the config's {@link HeadDtype} (2 bytes per element in
 * bfloat16); 1/‖w‖, the bias and its state stay in the placement's dtype. Under bfloat16, 1/‖w‖ is computed from the
 * stored (rounded) rows, so it is exactly what the next step's widened rows have. Nothing here ever holds the whole
 * shard in float32: initialisation draws into the stored dtype chunk by chunk, the norms are taken block by block.
 */
public final class ShardWeights implements AutoCloseable {
    /** Classes per initialisation chunk: W's initial values depend on the class id, not the world size. */
    static final int INIT_CHUNK = 4096;

    final Tensor weight;
    final Tensor momentum;
    final Tensor inverseNorms;
    final Tensor bias;
    final Tensor biasMomentum;
    final Tensor secondMoment;
    final Tensor biasSecondMoment;

    private ShardWeights(Tensor weight, Tensor momentum, Tensor inverseNorms, Tensor bias, Tensor biasMomentum, Tensor secondMoment,
            Tensor biasSecondMoment) {
        this.weight = Scoped.hold(weight);
        this.momentum = Scoped.hold(momentum);
        this.inverseNorms = Scoped.hold(inverseNorms);
        this.bias = Scoped.hold(bias);
        this.biasMomentum = Scoped.hold(biasMomentum);
        this.secondMoment = Scoped.hold(secondMoment);
        this.biasSecondMoment = Scoped.hold(biasSecondMoment);
    }

    /**
     * W ~ N(0, 0.01) as arcface_torch initialises it, drawn per chunk of {@value #INIT_CHUNK}
     * global classes from a generator seeded by (seed, chunk), so any world size starts from the
     * same matrix. Momentum and bias start at zero.
     */
    static ShardWeights initial(ClassShard shard, HeadConfig config) {
        Tensor w = Tensors.to(initialRows(shard.numClasses(), config.embDim(), config.seed(), shard.start(), shard.size(),
                config.storage()), config.placement(), config.storage(), false);
        return create(w, null, null, null, null, null, config);
    }

    /**
     * Rows [start, start + count) of the initial W [numClasses, D] of a run with this seed (on the CPU):
     * the same values whichever worker draws them, so a grown class set starts its new classes as a fresh
     * run with that many classes would.
     */
    public static Tensor initialRows(long numClasses, int embDim, long seed, long start, long count) {
        return initialRows(numClasses, embDim, seed, start, count, ScalarType.Float);
    }

    /** {@link #initialRows(long, int, long, long, long)} stored as {@code type}: each float32 chunk is rounded as it is copied in. */
    static Tensor initialRows(long numClasses, int embDim, long seed, long start, long count, ScalarType type) {
        Tensor w = Tensors.empty(Placement.CPU_FLOAT, type, count, embDim);
        if (count == 0) {
            return w;
        }
        long firstChunk = start / INIT_CHUNK;
        long lastChunk = (start + count - 1) / INIT_CHUNK;
        for (long chunk = firstChunk; chunk <= lastChunk; chunk++) {
            // why a scope per chunk: otherwise every chunk's draw stays allocated until the caller's
            // scope closes, doubling the peak memory of a million-class shard
            long chunkStart = chunk * INIT_CHUNK;
            long chunkSeed = seed * 1_000_003L + chunk;
            Scoped.run(() -> {
                long chunkRows = Math.min(INIT_CHUNK, numClasses - chunkStart);
                Tensor values = torch.empty(new long[] {chunkRows, embDim}, Placement.CPU_FLOAT.floats(), null)
                        .normal_(0, 0.01, new GeneratorOptional(torch.createCPUGenerator(chunkSeed)));
                long lo = Math.max(chunkStart, start);
                long hi = Math.min(chunkStart + chunkRows, start + count);
                rows(w, lo - start, hi - lo).copy_(rows(values, lo - chunkStart, hi - lo));
            });
        }
        return w;
    }

    /**
     * Shard state from given tensors (copied): W [n, D], momentum [n, D] (null = zeros), for
     * softmax the bias [n] and its momentum (null = zeros), and under AdamW the second moments (null = zeros).
     */
    static ShardWeights of(Tensor w, Tensor momentum, Tensor bias, Tensor biasMomentum, Tensor secondMoment, Tensor biasSecondMoment,
            HeadConfig config) {
        Placement at = config.placement();
        ScalarType stored = config.storage();
        return create(copy(w, at, stored), copyOrNull(momentum, at, stored), copyOrNull(bias, at, at.dtype()),
                copyOrNull(biasMomentum, at, at.dtype()), copyOrNull(secondMoment, at, stored), copyOrNull(biasSecondMoment, at, at.dtype()),
                config);
    }

    private static Tensor copyOrNull(Tensor t, Placement at, ScalarType type) {
        return t == null ? null : copy(t, at, type);
    }

    private static Tensor copy(Tensor t, Placement at, ScalarType type) {
        return Tensors.to(t, at, type, true).contiguous();
    }

    /** Takes ownership of the given tensors; null momentum, bias or (under AdamW) second moments start at zero. */
    private static ShardWeights create(Tensor weight, Tensor momentum, Tensor bias, Tensor biasMomentum, Tensor secondMoment,
            Tensor biasSecondMoment, HeadConfig config) {
        Placement at = config.placement();
        ScalarType stored = config.storage();
        Tensor mom = momentum != null ? momentum : Tensors.zeros(at, stored, weight.size(0), weight.size(1));
        Tensor second = !config.adamW() ? null
                : secondMoment != null ? secondMoment : Tensors.zeros(at, stored, weight.size(0), weight.size(1));
        if (!config.lossType().normalised()) {
            Tensor biasSecond = !config.adamW() ? null : biasSecondMoment != null ? biasSecondMoment : Tensors.zeros(at, weight.size(0));
            return new ShardWeights(weight, mom, null, bias != null ? bias : Tensors.zeros(at, weight.size(0)),
                    biasMomentum != null ? biasMomentum : Tensors.zeros(at, weight.size(0)), second, biasSecond);
        }
        return new ShardWeights(weight, mom, inverseNorms(weight, config), null, null, second, null);
    }

    /** 1/‖w_j‖ in the placement's dtype, block by block: a bfloat16 shard is never widened whole. */
    private static Tensor inverseNorms(Tensor weight, HeadConfig config) {
        Placement at = config.placement();
        long n = weight.size(0);
        Tensor inv = Tensors.empty(at, n);
        int blockRows = config.effectiveBlockRows();
        for (long lo = 0; lo < n; lo += blockRows) {
            long from = lo;
            long len = Math.min(blockRows, n - lo);
            Scoped.run(() -> inv.narrow(0, from, len).copy_(rowNorms(Tensors.as(rows(weight, from, len), at.dtype())).reciprocal_()));
        }
        return inv;
    }

    /** The live tensors, for the step to update in place. */
    ShardTensors tensors() {
        return new ShardTensors(weight, momentum, inverseNorms, bias, biasMomentum, secondMoment, biasSecondMoment);
    }

    public Tensor weight() {
        return weight;
    }

    public Tensor momentum() {
        return momentum;
    }

    /** The bias (softmax only; null for margin losses). */
    public Tensor bias() {
        return bias;
    }

    public Tensor biasMomentum() {
        return biasMomentum;
    }

    /** AdamW's second moment of W (null under SGD). */
    public Tensor secondMoment() {
        return secondMoment;
    }

    /** AdamW's second moment of the bias (softmax under AdamW only; null otherwise). */
    public Tensor biasSecondMoment() {
        return biasSecondMoment;
    }

    /** No NaN or Inf in the shard's weights, bias or their momentum (a check before they are saved). */
    public boolean allFinite() {
        for (Tensor t : new Tensor[] {weight, momentum, bias, biasMomentum, secondMoment, biasSecondMoment}) {
            if (t != null && !Tensors.allFinite(t)) {
                return false;
            }
        }
        return true;
    }

    @Override
    public void close() {
        for (Tensor t : new Tensor[] {weight, momentum, inverseNorms, bias, biasMomentum, secondMoment, biasSecondMoment}) {
            Scoped.release(t);
        }
    }
}
