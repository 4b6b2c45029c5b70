package org.plscj.head;

import static org.plscj.tensor.Tensors.col;
import static org.plscj.tensor.Tensors.colSum;
import static org.plscj.tensor.Tensors.longs;
import static org.plscj.tensor.Tensors.rowMax;
import static org.plscj.tensor.Tensors.rowNorms;
import static org.plscj.tensor.Tensors.rowSum;
import static org.plscj.tensor.Tensors.row;
import static org.plscj.tensor.Tensors.rows;
import static org.plscj.tensor.Tensors.scalar;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.function.Consumer;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.TensorVector;
import org.bytedeco.pytorch.global.torch;
import org.plscj.comm.Communicator;
import org.plscj.comm.Communicator.Reduction;
import org.plscj.head.StepProfile.Phase;
import org.plscj.optim.AdamWUpdate;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;

/**
 * Forward, distributed softmax cross entropy, backward and SGD update of one shard, walking the
 * shard in blocks of classes. Pass 1 computes each block's logits (one GEMM) and keeps an online
 * (max, Σexp) per row; the two all-reduces turn the local sums into the global softmax; pass 2
 * forms each block's gradient from its stored logits, accumulates dX (one GEMM) and updates the
 * block with the momentum step fused into the dW GEMM (v ← μv + Gᵀx), or with AdamW. No one-hot matrix, no
 * normalised copy of W, and the only [N, n] buffer (the logits) is written once and read once;
 * everything else per block is [N, block] and stays in cache.
 *
 * <p>Notation: N gathered rows, n classes in the (sampled) shard, x_i the gathered inputs
 * (normalised for margin losses), s the scale, z_ij the logits, t_i the target column.
 *
 * <p>Inter-class filtering (arcface_torch's CombinedMarginLoss, recognition/arcface_torch/losses.py, applied by
 * partial_fc_v2.py to the logits of the sampled classes, so here to every block of the sampled shard): with threshold τ
 * the set F_i = {j ≠ t_i : cos_ij > τ} is found under no_grad and those logits become the constant 0 (arcface_torch
 * multiplies by the 0/1 mask; for ArcFace cos(acos 0) = 6e-17 ≈ 0). The softmax still counts them, e^0 each, in its
 * denominator. As F_i is a constant of the backward pass, the exact gradient of L = (1/N)Σ_i (log Σ_j e^(z_ij) − z_it)
 * is ∂L/∂cos_ij = (s/N)·p_ij for j ∉ F_i ∪ {t_i}, exactly 0 for j ∈ F_i (so nothing of w_j or x_i moves through them),
 * and (s/N)·(p_it − 1)·ψ'(cos_it) at the target, with p_ij = e^(z_ij)/Σ_k e^(z_ik) over the filtered logits. The mask
 * is never stored: pass 1 tests each block's logits against s·τ, pass 2 tests the same stored (or recomputed) values
 * again, so the persistent memory is unchanged and each block only adds [N, block] temporaries inside its scope.
 *
 * <p>head_dtype bfloat16: W, its momentum (and AdamW's second moment) are stored in bfloat16, and each block widens its
 * rows to the placement's dtype, runs exactly the float32 arithmetic above and writes the updated rows back rounded to
 * nearest, ties to even (what libtorch's conversion does). Why not stochastic rounding: it needs a [block, D] random
 * draw per tensor per block (as many random bits as the update reads) and makes a step depend on a generator's state,
 * while what it protects against, updates smaller than half a bfloat16 ulp (2⁻⁹ relative) being lost, is limited here:
 * the momentum accumulates ~1/(1 − μ) = 10 steps of gradient before it moves w, so the per-step change of w is that many
 * times larger than one gradient, and for the margin losses only w's direction matters (the lost part is mostly the
 * weight decay's 5·10⁻⁵ relative shrink, which only sets the norm). Measured on the demo (BENCHMARKS.md, "bf16 head"):
 * held-out accuracy and VAL with stochastic rounding of W were the same as with round-to-nearest, both within 0.5 % of
 * float32, and the stochastic draw cost ~5–10 % of the training throughput (its training loss after the lr drop was
 * lower, which a longer run should check). No [n, D] float32 copy of the shard is ever made:
 * only one block's [block, D] rows are wide at a time.
 *
 * <p>Block threads (HeadConfig.blockThreads k &gt; 1): k threads walk every k-th block side by side, each running its ops
 * and its GEMMs on itself alone (one intra-op thread, OpenBLAS at one thread while they run), with its own running
 * (max, Σexp) per row, merged after pass 1 like the ranks' are, and its own dX, summed after pass 2. Why: the blocks are
 * independent, and one thread per core needs no fork and join per op, nor OpenMP threads spinning while OpenBLAS's want
 * the cores. The sums then add in another order (the rounding of a float32 sum, nothing else), and the block's W rows
 * each thread updates are its own.
 */
final class BlockedSoftmaxStep implements AutoCloseable {
    /** What one step produced: the global mean loss, correct predictions, and ∂loss/∂input. */
    record Outcome(double loss, double correct, Tensor inputGrad) {}

    private final HeadConfig config;
    private final Communicator comm;
    private final boolean normalised;
    private final double scale;
    /** s·τ: a non-target logit above it is filtered (inter-class filtering on), or NaN when off. */
    private final double filterLogit;
    private final AdamWUpdate adamW;
    private Tensor logits = null;
    /** The block threads beyond the first (k &gt; 1), started with the first step that uses them. */
    private ExecutorService lanePool = null;

    BlockedSoftmaxStep(HeadConfig config, Communicator comm) {
        this.config = config;
        this.comm = comm;
        this.normalised = config.lossType().normalised();
        this.scale = normalised ? config.margin().scale() : 1.0;
        this.adamW = config.adamW() ? AdamWUpdate.TORCH_DEFAULTS : null;
        this.filterLogit = config.filtersInterclass() ? scale * config.interclassFilteringThreshold() : Double.NaN;
    }

    /** A long-lived buffer of at least {@code numel} floats, grown on demand, outside any step scope. */
    private static Tensor ensure(Tensor buffer, long numel, Placement at) {
        if (buffer != null && buffer.numel() >= numel) {
            return buffer;
        }
        Scoped.release(buffer);
        return Scoped.hold(Tensors.empty(at, numel));
    }

    /** A block of classes [lo, lo + len) and the owned targets [from, to) that fall in it. */
    private record Block(long lo, long len, int from, int to, Tensor targets) {
        boolean hasTargets() {
            return to > from;
        }
    }

    /**
     * @param input     x [N, D], contiguous
     * @param shard     W [n, D] and its optimizer state, updated in place
     * @param ownedRows rows i whose target lies in this shard, ordered by target column
     * @param ownedCols their target columns t_i in [0, n), ascending
     * @param update    the 1-based number of this update (AdamW's bias correction)
     * @param sum       null: update the shard now; else add this micro-batch's gradient (scaled) to it, the shard unchanged
     */
    Outcome run(Tensor input, ShardTensors shard, long[] ownedRows, long[] ownedCols, double lr, long update, Accumulator sum,
            StepProfile profile) {
        long n = shard.weight().size(0);
        long rows = input.size(0);
        int lanes = laneCount(n);
        logits = ensure(logits, rows * (config.recomputeLogits() ? Math.min(n, config.effectiveBlockRows()) * lanes : n), config.placement());
        if (lanes > 1 && lanePool == null) {
            lanePool = Native.singleThreadedPool(config.effectiveBlockThreads(), "plsc-head-block");
        }
        Pass pass = new Pass(input, shard, ownedRows, ownedCols, lr, update, sum, profile);
        pass.forward();
        Outcome outcome = pass.globalSoftmax();
        // why here: the loss is all-reduced, so every worker stops alike, and nothing is updated yet
        if (!Double.isFinite(outcome.loss())) {
            throw new NonFiniteException("the loss");
        }
        pass.backward(outcome.inputGrad());
        return outcome;
    }

    /** Block threads for a shard of n classes: the configured count, at most one per block. */
    private int laneCount(long n) {
        long blocks = (n + config.effectiveBlockRows() - 1) / config.effectiveBlockRows();
        return (int) Math.max(1, Math.min(config.effectiveBlockThreads(), blocks));
    }

    /**
     * What one block thread owns during a step: every k-th block from its index, the running max, raw max and Σexp of
     * its blocks per row, its dX, and its profile laps.
     */
    private static final class Lane {
        final int index;
        final Tensor runMax;
        final Tensor rawMax;
        final Tensor runSum;
        final StepProfile profile;
        Tensor inputGrad;
        long t = System.nanoTime();

        Lane(int index, Placement at, long batch, StepProfile profile) {
            this.index = index;
            this.runMax = Tensors.empty(at, batch).fill_(scalar(Double.NEGATIVE_INFINITY));
            this.rawMax = runMax.clone();
            this.runSum = Tensors.zeros(at, batch);
            this.profile = profile;
        }

        void lap(Phase phase) {
            t = profile.lap(phase, t);
        }
    }

    /** One step's state, shared by its forward pass, the global softmax and its backward pass. */
    private final class Pass {
        private final Tensor input;
        private final ShardTensors shard;
        private final double lr;
        private final long update;
        private final Accumulator sum;
        /** s/N, times 1/K for a micro-batch of K: ∂(mean loss)/∂z's factor. */
        private final double gradFactor;
        private final StepProfile profile;
        private final Placement at = config.placement();
        private final long batch;
        private final boolean recompute = config.recomputeLogits();
        /** s/‖w_j‖ once per step, so a block's logits need one scaling pass: z = x̂·wᵀ · s/‖w‖. */
        private final Tensor columnScale;
        private final Block[] blocks;
        private final Tensor ownedRows;
        private final Tensor targetLogit;
        private final Tensor targetRaw;
        private final Tensor targetSlope;
        /** The lanes' statistics merged: over all this shard's blocks. */
        private final Tensor runMax;
        private final Tensor rawMax;
        private final Tensor runSum;
        private final Lane[] lanes;
        /** The calling thread's laps outside the blocks (the lane itself when there is one lane). */
        private final Lane self;
        private Tensor gradShift;
        private Tensor targetGrad;

        Pass(Tensor input, ShardTensors shard, long[] ownedRows, long[] ownedCols, double lr, long update, Accumulator sum,
                StepProfile profile) {
            this.input = input;
            this.shard = shard;
            this.lr = lr;
            this.update = update;
            this.sum = sum;
            this.gradFactor = scale / input.size(0) * (sum == null ? 1 : sum.scale());
            this.profile = profile;
            this.batch = input.size(0);
            this.columnScale = normalised ? shard.inverseNorms().mul(scalar(scale)) : null;
            long n = shard.weight().size(0);
            int blockRows = config.effectiveBlockRows();
            this.blocks = new Block[(int) ((n + blockRows - 1) / blockRows)];
            for (int b = 0; b < blocks.length; b++) {
                long lo = (long) b * blockRows;
                long len = Math.min(blockRows, n - lo);
                int from = lowerBound(ownedCols, lo);
                int to = lowerBound(ownedCols, lo + len);
                blocks[b] = new Block(lo, len, from, to, to > from ? longs(at, flatIndex(ownedRows, ownedCols, from, to, lo, len)) : null);
            }
            this.ownedRows = longs(at, ownedRows);
            this.targetLogit = Tensors.zeros(at, ownedRows.length);
            this.targetRaw = Tensors.zeros(at, ownedRows.length);
            this.targetSlope = Tensors.zeros(at, ownedRows.length);
            this.lanes = new Lane[laneCount(n)];
            for (int k = 0; k < lanes.length; k++) {
                lanes[k] = new Lane(k, at, batch, lanes.length == 1 ? profile : new StepProfile());
            }
            this.self = lanes.length == 1 ? lanes[0] : new Lane(-1, at, batch, profile);
            this.runMax = self.runMax;
            this.rawMax = self.rawMax;
            this.runSum = self.runSum;
        }

        /** Runs {@code work} for every lane: on this thread when there is one, else each on its own block thread. */
        private void eachLane(Consumer<Lane> work) {
            if (lanes.length == 1) {
                work.accept(lanes[0]);
                return;
            }
            self.lap(Phase.OTHER);
            int blasThreads = Native.blasThreads();
            Native.useBlasThreads(1);
            RuntimeException failure = null;
            try {
                List<Future<?>> running = new ArrayList<>();
                for (Lane lane : lanes) {
                    running.add(lanePool.submit(() -> {
                        lane.t = System.nanoTime();
                        work.accept(lane);
                    }));
                }
                // why every one: a failed lane's siblings still write the shared buffers until they finish
                for (Future<?> f : running) {
                    try {
                        f.get();
                    } catch (ExecutionException e) {
                        if (failure == null) {
                            failure = e.getCause() instanceof RuntimeException r ? r : new IllegalStateException(e.getCause());
                        }
                    }
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                failure = new IllegalStateException("interrupted while the head's block threads ran", e);
            } finally {
                Native.useBlasThreads(blasThreads);
            }
            if (failure != null) {
                throw failure;
            }
            for (Lane lane : lanes) {
                profile.add(lane.profile, 1.0 / lanes.length);
                lane.profile.reset();
            }
            self.t = System.nanoTime();
        }

        /** This lane's blocks: every k-th from its index. */
        private void eachBlock(Lane lane, Consumer<Block> work) {
            for (int b = lane.index; b < blocks.length; b += lanes.length) {
                Block bl = blocks[b];
                // why a scope per block: a step's blocks would otherwise keep every temporary until the
                // step ends (measured: +1.5 GB per step at 1M classes, the difference between 5M classes fitting or not)
                Scoped.run(() -> work.accept(bl));
            }
        }

        /** Pass 1, per block: z = s·cos (or x·wᵀ + b), the margin on targets, online max and Σexp. */
        void forward() {
            eachLane(lane -> eachBlock(lane, bl -> {
                Tensor z = logitsBuffer(bl, lane);
                lane.lap(Phase.SOFTMAX);
                rawLogits(z, bl, working(shard.weight(), bl.lo(), bl.len()));
                lane.lap(Phase.LOGITS_GEMM);
                if (bl.hasTargets()) {
                    recordTargets(z, bl);
                }
                Tensor blockRaw = rowMax(z);
                lane.rawMax.copy_(torch.maximum(lane.rawMax, blockRaw));
                putTargets(z, bl, targetLogit);
                Tensor kept = filtered(z, bl);
                // m' = max(m, b) with b ≥ max_j z_ij; S ← S·e^(m − m') + Σ_j e^(z_ij − m')   (z itself stays for pass 2)
                Tensor newMax = torch.maximum(lane.runMax, config.filtersInterclass() ? rowMax(kept) : shiftBound(blockRaw, bl));
                lane.runSum.mul_(lane.runMax.sub(newMax).exp_()).add_(rowSum(kept.sub(col(newMax)).exp_()));
                lane.runMax.copy_(newMax);
            }));
            if (lanes.length > 1) {
                for (Lane lane : lanes) {
                    // the lanes merge as the blocks do: M' = max(M, m), S ← S·e^(M − M') + s·e^(m − M')
                    Tensor newMax = torch.maximum(runMax, lane.runMax);
                    runSum.mul_(runMax.sub(newMax).exp_()).add_(lane.runSum.mul(lane.runMax.sub(newMax).exp_()));
                    runMax.copy_(newMax);
                    rawMax.copy_(torch.maximum(rawMax, lane.rawMax));
                }
            }
            self.lap(Phase.SOFTMAX);
        }

        /**
         * max(raw row max, margin logit) per row of a block: at least the largest logit the softmax sees there, as the
         * margin logit only replaces the raw one at the target. Why not the exact max: it would be a second pass over the
         * block, and the softmax is the same for any shift at least the max (the sums differ by rounding only).
         */
        private Tensor shiftBound(Tensor blockRaw, Block bl) {
            if (!bl.hasTargets()) {
                return blockRaw;
            }
            Tensor rowsOfTargets = ownedRows.narrow(0, bl.from(), bl.to() - bl.from());
            return blockRaw.index_copy(0, rowsOfTargets, torch.maximum(blockRaw.index_select(0, rowsOfTargets),
                    targetLogit.narrow(0, bl.from(), bl.to() - bl.from())));
        }

        /** The targets' plain logits (for accuracy), margin logits and margin slopes ψ' (used by the exact gradient). */
        private void recordTargets(Tensor z, Block bl) {
            Tensor raw = z.take(bl.targets());
            long count = bl.to() - bl.from();
            targetRaw.narrow(0, bl.from(), count).copy_(raw);
            if (normalised) {
                // why: s·cos was formed as (x̂·w)·(s/‖w‖); ψ needs cos itself
                Tensor cos = raw.div(scalar(scale));
                targetLogit.narrow(0, bl.from(), count).copy_(config.margin().psi(cos).mul_(scalar(scale)));
                targetSlope.narrow(0, bl.from(), count).copy_(config.margin().psiDerivative(cos));
            } else {
                targetLogit.narrow(0, bl.from(), count).copy_(raw);
            }
        }

        /**
         * Global softmax: M_i = max over ranks; denom_i = Σ_ranks S·e^(m − M). The SUM also carries
         * the target logit minus M (only its owner contributes) and the owner's correct flag.
         */
        Outcome globalSoftmax() {
            Tensor maxes = torch.stack(new TensorVector(runMax, rawMax), 0);
            self.lap(Phase.SOFTMAX);
            comm.allReduce(maxes, Reduction.MAX);
            self.lap(Phase.COMMUNICATION);
            Tensor globalMax = maxes.select(0, 0);
            Tensor sums = Tensors.zeros(at, 3, batch);
            sums.select(0, 0).copy_(runSum.mul(runMax.sub(globalMax).exp_()));
            Tensor ownedMax = globalMax.index_select(0, ownedRows);
            sums.select(0, 1).index_copy_(0, ownedRows, targetLogit.sub(ownedMax));
            sums.select(0, 2).index_copy_(0, ownedRows, targetRaw.ge(maxes.select(0, 1).index_select(0, ownedRows)).to(at.dtype()));
            self.lap(Phase.SOFTMAX);
            comm.allReduce(sums, Reduction.SUM);
            self.lap(Phase.COMMUNICATION);
            Tensor denom = sums.select(0, 0);
            // loss = mean_i (log denom_i − (z_it − M_i))
            double loss = denom.log().sub(sums.select(0, 1)).mean().item_double();
            double correct = sums.select(0, 2).sum().item_double();
            // ∂loss/∂z = (p − onehot)/N with p = e^(z − M)/denom; for margin losses the target gets ·ψ'(cos)
            targetGrad = targetLogit.sub(ownedMax).exp_().div_(denom.index_select(0, ownedRows)).sub_(scalar(1))
                    .mul_(scalar(gradFactor));
            if (normalised && config.marginGradient() == MarginGradient.EXACT) {
                targetGrad.mul_(targetSlope);
            }
            // p_ij·s/N = e^(z_ij − M_i) · s/(N·denom_i) = e^(z_ij − shift_i), shift_i = M_i − log(s/(N·denom_i)),
            // so a block's gradient is one subtraction and one exp
            gradShift = col(globalMax.sub(denom.reciprocal().mul_(scalar(gradFactor)).log_()));
            return new Outcome(loss, correct, Tensors.zeros(at, batch, config.embDim()));
        }

        /** Pass 2, per block: G = ∂loss/∂cos (∂loss/∂z for softmax), then the GEMMs and the update. */
        void backward(Tensor inputGrad) {
            for (Lane lane : lanes) {
                lane.inputGrad = lanes.length == 1 ? inputGrad : Tensors.zeros(at, batch, config.embDim());
            }
            eachLane(lane -> eachBlock(lane, bl -> {
                Tensor z = logitsBuffer(bl, lane);
                Tensor wb = working(shard.weight(), bl.lo(), bl.len());
                if (recompute) {
                    lane.lap(Phase.SOFTMAX);
                    rawLogits(z, bl, wb);
                    lane.lap(Phase.LOGITS_GEMM);
                    putTargets(z, bl, targetLogit);
                }
                Tensor g = z.sub(gradShift).exp_();
                if (config.filtersInterclass()) {
                    // the filtered logits are constants: zero gradient (the targets' entries are overwritten next)
                    g.masked_fill_(z.gt(scalar(filterLogit)), scalar(0));
                }
                if (bl.hasTargets()) {
                    g.put_(bl.targets(), targetGrad.narrow(0, bl.from(), bl.to() - bl.from()));
                }
                lane.lap(Phase.SOFTMAX);
                backwardAndUpdate(g, z, wb, lane, bl);
            }));
            if (lanes.length > 1) {
                for (Lane lane : lanes) {
                    inputGrad.add_(lane.inputGrad);
                }
                self.lap(Phase.BACKWARD_GEMMS);
            }
        }

        /**
         * dx += G'·w_b and the SGD update of the block, with G' = G/‖w‖ for margin losses:
         * v ← μv + G'ᵀx (one GEMM), then v += (λ − r)·w, w ← w − lr·v, where r_j = (gw_j·w_j)/‖w_j‖²
         * removes the radial part of ∂/∂w_j (x·w_j/‖w_j‖). Since gw_j·w_j = Σ_i G_ij·cos_ij, r comes
         * from the [N, len] block in cache instead of a pass over the [len, D] weights.
         */
        private void backwardAndUpdate(Tensor g, Tensor z, Tensor wb, Lane lane, Block bl) {
            double mu = config.momentum();
            double decay = config.weightDecay();
            Tensor radial = null;
            if (normalised) {
                Tensor inv = shard.inverseNorms().narrow(0, bl.lo(), bl.len());
                // r_j = ‖w_j‖⁻² Σ_i G_ij·cos_ij, with the target entries of z back to s·cos (no margin)
                putTargets(z, bl, targetRaw);
                radial = colSum(g.mul(z)).mul_(inv).mul_(inv).div_(scalar(scale));
                g.mul_(row(inv));
            }
            lane.lap(Phase.SOFTMAX);
            // why transposed: dxᵀ += w_bᵀ·Gᵀ runs ~30% faster through OpenBLAS here than dx += G·w_b
            lane.inputGrad.t().addmm_(wb.t(), g.t());
            if (sum != null) {
                rows(sum.weightGrad(), bl.lo(), bl.len()).add_(blockGradient(g, radial, wb));
                if (!normalised) {
                    sum.biasGrad().narrow(0, bl.lo(), bl.len()).add_(colSum(g));
                }
                lane.lap(Phase.BACKWARD_GEMMS);
                return;
            }
            Tensor vb = working(shard.momentum(), bl.lo(), bl.len());
            if (adamW != null) {
                adamWUpdate(g, radial, wb, vb, lane, bl);
                return;
            }
            vb.addmm_(g.t(), input, scalar(mu), scalar(1));
            lane.lap(Phase.BACKWARD_GEMMS);
            if (normalised) {
                vb.addcmul_(wb, col(radial.neg_().add_(scalar(decay))));
            } else {
                vb.add_(wb, scalar(decay));
            }
            wb.add_(vb, scalar(-lr));
            store(shard, bl.lo(), bl.len(), wb, vb, null);
            if (!normalised) {
                updateBias(shard, colSum(g), bl.lo(), bl.len(), lr, update);
            }
            lane.lap(Phase.UPDATE);
        }

        /**
         * torch.optim.AdamW on the block: ∂L/∂w_j = (G'ᵀx)_j − r_j·w_j (margin losses; the radial part as in the SGD
         * update) or Gᵀx with the bias gradient Σ_i G_ij (softmax), one [len, D] gradient per block.
         */
        private void adamWUpdate(Tensor g, Tensor radial, Tensor wb, Tensor mb, Lane lane, Block bl) {
            double decay = config.weightDecay();
            Tensor grad = blockGradient(g, radial, wb);
            lane.lap(Phase.BACKWARD_GEMMS);
            Tensor sb = working(shard.secondMoment(), bl.lo(), bl.len());
            adamW.apply(wb, grad, mb, sb, lr, decay, update);
            store(shard, bl.lo(), bl.len(), wb, mb, sb);
            if (!normalised) {
                updateBias(shard, colSum(g), bl.lo(), bl.len(), lr, update);
            }
            lane.lap(Phase.UPDATE);
        }

        /** ∂L/∂w of a block: G'ᵀx − r·w (margin losses, G' = G/‖w‖) or Gᵀx (softmax), [len, D]. */
        private Tensor blockGradient(Tensor g, Tensor radial, Tensor wb) {
            Tensor grad = g.t().mm(input);
            if (normalised) {
                grad.addcmul_(wb, col(radial.neg()));
            }
            return grad;
        }

        /**
         * The block's logits as the softmax sees them: z itself, or (inter-class filtering) a copy whose non-target
         * entries above s·τ are 0. z keeps the unfiltered values, so pass 2 finds the same entries by the same test.
         */
        private Tensor filtered(Tensor z, Block bl) {
            if (!config.filtersInterclass()) {
                return z;
            }
            Tensor kept = z.masked_fill(z.gt(scalar(filterLogit)), scalar(0));
            putTargets(kept, bl, targetLogit);
            return kept;
        }

        /** The [N, len] logits of a block: its slice of the stored buffer, or its lane's recompute buffer. */
        private Tensor logitsBuffer(Block bl, Lane lane) {
            long offset = recompute ? lane.index * batch * config.effectiveBlockRows() : batch * bl.lo();
            return logits.narrow(0, offset, batch * bl.len()).view(batch, bl.len());
        }

        /** z ← x·w_blockᵀ scaled by s/‖w‖ (margin losses) or plus the bias (softmax), {@code wb} the block's working rows. */
        private void rawLogits(Tensor z, Block bl, Tensor wb) {
            Tensors.mmTransposedInto(z, input, wb);
            if (normalised) {
                z.mul_(row(columnScale.narrow(0, bl.lo(), bl.len())));
            } else {
                z.add_(row(shard.bias().narrow(0, bl.lo(), bl.len())));
            }
        }
    }

    /**
     * The update of a gradient summed over micro-batches ({@code sum}), block by block: SGD (v ← μv + g + λw,
     * w ← w − lr·v, the fused step's rule) or AdamW, then 1/‖w‖ refreshed (margin losses).
     */
    void applySum(ShardTensors shard, Accumulator sum, double lr, long update) {
        double mu = config.momentum();
        double decay = config.weightDecay();
        long n = shard.weight().size(0);
        int blockRows = config.effectiveBlockRows();
        for (long lo = 0; lo < n; lo += blockRows) {
            long len = Math.min(blockRows, n - lo);
            long from = lo;
            Scoped.run(() -> {
                Tensor wb = working(shard.weight(), from, len);
                Tensor mb = working(shard.momentum(), from, len);
                Tensor gb = rows(sum.weightGrad(), from, len);
                Tensor sb = null;
                if (adamW != null) {
                    sb = working(shard.secondMoment(), from, len);
                    adamW.apply(wb, gb, mb, sb, lr, decay, update);
                } else {
                    mb.mul_(scalar(mu)).add_(gb).add_(wb, scalar(decay));
                    wb.add_(mb, scalar(-lr));
                }
                store(shard, from, len, wb, mb, sb);
                if (!normalised) {
                    updateBias(shard, sum.biasGrad().narrow(0, from, len), from, len, lr, update);
                }
            });
        }
    }

    /**
     * The softmax bias's update of classes [from, from + len) from their gradient {@code gbb} (this step's, or the
     * accumulated sum); the bias stays in the placement's dtype.
     */
    private void updateBias(ShardTensors shard, Tensor gbb, long from, long len, double lr, long update) {
        Tensor bb = shard.bias().narrow(0, from, len);
        Tensor vbb = shard.biasMomentum().narrow(0, from, len);
        if (adamW != null) {
            adamW.apply(bb, gbb, vbb, shard.biasSecondMoment().narrow(0, from, len), lr, config.weightDecay(), update);
        } else {
            vbb.mul_(scalar(config.momentum())).add_(gbb).add_(bb, scalar(config.weightDecay()));
            bb.add_(vbb, scalar(-lr));
        }
    }

    /**
     * Rows [lo, lo + len) of a stored tensor (W, momentum, second moment) in the placement's dtype: a view of a float32
     * head's storage, updated in place, or a widened copy of a bfloat16 head's, which {@link #store} writes back.
     */
    private Tensor working(Tensor stored, long lo, long len) {
        return Tensors.as(rows(stored, lo, len), config.placement().dtype());
    }

    /**
     * Puts the updated working rows of W, momentum and (AdamW, else null) second moment back into the shard, rounded to
     * nearest-even when it is stored narrower, then refreshes 1/‖w‖ from the rows as stored: the next step's widened
     * rows are exactly those, so their cached norm matches them.
     */
    private void store(ShardTensors shard, long lo, long len, Tensor wb, Tensor mb, Tensor sb) {
        Tensor stored = rows(shard.weight(), lo, len);
        if (config.narrowStorage()) {
            stored.copy_(wb);
            rows(shard.momentum(), lo, len).copy_(mb);
            if (sb != null) {
                rows(shard.secondMoment(), lo, len).copy_(sb);
            }
        }
        if (normalised) {
            shard.inverseNorms().narrow(0, lo, len).copy_(rowNorms(working(shard.weight(), lo, len)).reciprocal_());
        }
    }

    private static void putTargets(Tensor z, Block bl, Tensor values) {
        if (bl.hasTargets()) {
            z.put_(bl.targets(), values.narrow(0, bl.from(), bl.to() - bl.from()));
        }
    }

    /** Flat indices i·len + (t_i − lo) of the targets [from, to) inside a [N, len] block. */
    private static long[] flatIndex(long[] ownedRows, long[] ownedCols, int from, int to, long lo, long len) {
        long[] index = new long[to - from];
        for (int k = from; k < to; k++) {
            index[k - from] = ownedRows[k] * len + (ownedCols[k] - lo);
        }
        return index;
    }

    /** First position in a sorted array whose value is >= key. */
    private static int lowerBound(long[] sorted, long key) {
        int at = Arrays.binarySearch(sorted, key);
        if (at < 0) {
            return -at - 1;
        }
        while (at > 0 && sorted[at - 1] == key) {
            at--;
        }
        return at;
    }

    @Override
    public void close() {
        Scoped.release(logits);
        logits = null;
        if (lanePool != null) {
            lanePool.shutdownNow();
            lanePool = null;
        }
    }
}
