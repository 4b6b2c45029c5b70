package org.plscj.head;

import static org.plscj.tensor.Tensors.rowNorms;
import static org.plscj.tensor.Tensors.rows;

import org.bytedeco.pytorch.GeneratorOptional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;

/**
 * One worker's slice of the classifier and its optimizer state, long-lived across steps:
 * the class centres W_r [n_r, D] and their momentum; for margin losses the cached 1/‖w_j‖
 * (kept current by the update, so no step re-reads W just to normalise it); for softmax the
 * bias and its momentum. Under AdamW the momentum is AdamW's first moment and a second moment of the same
 * shape sits beside it (one more n_r·D floats; null under SGD). All tensors are held (Scoped.hold) beyond any step's scope.
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
        Tensor w = initialRows(shard.numClasses(), config.embDim(), config.seed(), shard.start(), shard.size())
                .to(config.placement().floats(), false, false, null);
        return create(w, Tensors.zeros(config.placement(), shard.size(), config.embDim()), null, null, null, null, config);
    }

    /**
     * Rows [start, start + count) of the initial W [numClasses, D] of a run with this seed (on the CPU):
     * the same values whichever worker draws them, so a grown class set starts its new classes as a fresh
     * run with that many classes would.
     */
    public static Tensor initialRows(long numClasses, int embDim, long seed, long start, long count) {
        Tensor w = Tensors.empty(Placement.CPU_FLOAT, count, embDim);
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
        return create(copy(w, at), copyOrNull(momentum, at), copyOrNull(bias, at), copyOrNull(biasMomentum, at),
                copyOrNull(secondMoment, at), copyOrNull(biasSecondMoment, at), config);
    }

    private static Tensor copyOrNull(Tensor t, Placement at) {
        return t == null ? null : copy(t, at);
    }

    private static Tensor copy(Tensor t, Placement at) {
        return t.to(at.floats(), false, true, null).contiguous();
    }

    /** Takes ownership of the given tensors; null momentum, bias or (under AdamW) second moments start at zero. */
    private static ShardWeights create(Tensor weight, Tensor momentum, Tensor bias, Tensor biasMomentum, Tensor secondMoment,
            Tensor biasSecondMoment, HeadConfig config) {
        Placement at = config.placement();
        Tensor mom = momentum != null ? momentum : Tensors.zeros(at, weight.size(0), weight.size(1));
        Tensor second = !config.adamW() ? null : secondMoment != null ? secondMoment : Tensors.zeros(at, weight.size(0), weight.size(1));
        if (!config.lossType().normalised()) {
            Tensor biasSecond = !config.adamW() ? null : biasSecondMoment != null ? biasSecondMoment : Tensors.zeros(at, weight.size(0));
            return new ShardWeights(weight, mom, null, bias != null ? bias : Tensors.zeros(at, weight.size(0)),
                    biasMomentum != null ? biasMomentum : Tensors.zeros(at, weight.size(0)), second, biasSecond);
        }
        return new ShardWeights(weight, mom, rowNorms(weight).reciprocal(), null, null, second, null);
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
