package org.plscj.head;

import static org.plscj.tensor.Tensors.col;
import static org.plscj.tensor.Tensors.longs;
import static org.plscj.tensor.Tensors.rowDots;
import static org.plscj.tensor.Tensors.rowNorms;
import static org.plscj.tensor.Tensors.rows;
import static org.plscj.tensor.Tensors.toLongArray;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.function.BiFunction;
import java.util.stream.IntStream;
import org.bytedeco.pytorch.Tensor;
import org.plscj.comm.Communicator;
import org.plscj.head.StepProfile.Phase;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;

/**
 * The model-parallel classification head (PLSC's dist_softmax / dist_arcface, arcface_torch's
 * PartialFC): this worker owns a balanced shard of the class centres, every step gathers all
 * workers' embeddings and labels, computes the exact global margin-softmax cross entropy with a
 * distributed max/sum, updates its shard with SGD (momentum, weight decay) and returns the loss,
 * the train accuracy and the gradient for its own embeddings.
 *
 * <pre>{@code
 * HeadConfig config = HeadConfig.of(1_000_000, 512, LossType.ARCFACE).withSampleRatio(0.1);
 * try (Communicator comm = Communicator.connect(DistEnv.fromEnvironment(), Duration.ofMinutes(5));
 *      PartialFC head = new PartialFC(config, comm)) {
 *     for (Batch batch : data) {
 *         Scoped.run(() -> {                                         // frees the step's tensors
 *             Tensor x = backbone.forward(batch.images());           // [B, 512]
 *             HeadResult r = head.step(x, batch.labels(), lr);
 *             x.backward(r.embeddingGrad());                         // then all-reduce backbone grads (sum)
 *         });
 *     }
 * }
 * }</pre>
 *
 * <p>The head detaches the embeddings it is given; their gradient comes back in
 * {@link HeadResult#embeddingGrad()}. Every worker must call {@link #step} the same number of times.
 */
public final class PartialFC implements AutoCloseable {
    private final HeadConfig config;
    private final Communicator comm;
    private final ClassShard shard;
    private final ShardWeights weights;
    private final PartialFcSampler sampler;
    private final SampleBuffers sampleRows;
    private final BlockedSoftmaxStep kernel;
    private long steps;
    private long[] lastSampled;
    private final StepProfile profile = new StepProfile();

    /** A head whose shard starts from arcface_torch's N(0, 0.01) initialisation. */
    public PartialFC(HeadConfig config, Communicator comm) {
        this(config, comm, null, null, null, null);
    }

    /**
     * A head whose shard starts from given values (copied): this worker's rows of W [n_r, D], and
     * optionally their momentum and, for softmax, the bias and its momentum (null = zeros).
     */
    public PartialFC(HeadConfig config, Communicator comm, Tensor weight, Tensor momentum, Tensor bias, Tensor biasMomentum) {
        this(config, comm, weight, momentum, bias, biasMomentum, null, null);
    }

    /**
     * As above, with AdamW's second moments of W and (softmax) of the bias (null = zeros; ignored under SGD). Under
     * AdamW {@code momentum} is AdamW's first moment, and the bias correction counts this head's steps
     * ({@link #startAtStep} on resume).
     */
    public PartialFC(HeadConfig config, Communicator comm, Tensor weight, Tensor momentum, Tensor bias, Tensor biasMomentum,
            Tensor secondMoment, Tensor biasSecondMoment) {
        Native.load();
        this.config = config;
        this.comm = comm;
        this.shard = ClassShard.of(config.numClasses(), comm.worldSize(), comm.rank());
        this.weights = Scoped.compute(() -> {
            if (weight == null) {
                return ShardWeights.initial(shard, config);
            }
            long[] shape = Tensors.shape(weight);
            if (shape.length != 2 || shape[0] != shard.size() || shape[1] != config.embDim()) {
                throw new IllegalArgumentException("rank " + comm.rank() + " owns " + shard.size() + " classes of dimension "
                        + config.embDim() + " but was given a weight of shape " + Arrays.toString(shape));
            }
            return ShardWeights.of(weight, momentum, bias, biasMomentum, secondMoment, biasSecondMoment, config);
        });
        this.sampler = config.sampleRatio() < 1 ? new PartialFcSampler(config.sampleRatio(), config.seed(), comm.rank()) : null;
        this.sampleRows = sampler == null ? null : new SampleBuffers();
        this.kernel = new BlockedSoftmaxStep(config, comm);
    }

    /**
     * One training step of the head on every worker at once.
     *
     * @param embeddings this worker's embeddings x [B, D] (B equal on every worker)
     * @param labels     their class labels [B] in [0, num_classes)
     * @param lr         the learning rate of this step's shard update
     * @throws HeadInputException on every worker alike when any worker's inputs are unusable
     * @throws NonFiniteException  on every worker alike when an embedding or the loss is NaN or Inf; the shard is
     *                             then not updated, and the step still counts (Partial FC's samples stay those of
     *                             an uninterrupted run)
     */
    public HeadResult step(Tensor embeddings, Tensor labels, double lr) {
        // why count first: a step that fails on non-finite values is skipped, yet Partial FC's samples are drawn
        // from (seed, rank, step) and must stay aligned with the trainer's step number
        steps++;
        return forwardBackward(embeddings, labels, (input, allLabels) -> runShard(input, allLabels, lr));
    }

    /**
     * Begins one update over K micro-batches (gradient_acc), K = {@code microLabels.size()}, each worker passing the labels
     * of its K micro-batches: Partial FC draws the update's one sample from the positives of all of them, as one step
     * with the K-times larger batch would. Then {@link GradientAccumulation#micro} per micro-batch, in order, and
     * {@link GradientAccumulation#update} once: the shard then moves as one step on all K·B·W rows would move it.
     * Counts one step. Holds a gradient the size of the (sampled) shard until the update. Under Partial FC the sampled
     * rows sit in buffers the head reuses: a {@link #step} or another {@code accumulate} before {@link GradientAccumulation#update}
     * replaces them, and this accumulation then refuses to go on.
     */
    public GradientAccumulation accumulate(List<Tensor> microLabels) {
        steps++;
        ShardTensors whole = weights.tensors();
        if (sampler == null) {
            lastSampled = null;
            return new GradientAccumulation(this, whole, null, null, 0, microLabels.size());
        }
        List<Long> owned = new ArrayList<>();
        for (Tensor labels : microLabels) {
            long[] all = toLongArray(comm.allGather(labels.to(config.placement().longs(), false, false, null).contiguous()));
            checkLabels(all, all.length / comm.worldSize());
            for (long label : all) {
                if (shard.owns(label)) {
                    owned.add(label - shard.start());
                }
            }
        }
        long[] sampled = sampler.sample(owned.stream().mapToLong(Long::longValue).toArray(), shard.size(), steps - 1);
        lastSampled = Arrays.stream(sampled).map(c -> c + shard.start()).toArray();
        Tensor index = longs(config.placement(), sampled);
        ShardTensors rows = sampleRows.gather(whole, index);
        return new GradientAccumulation(this, rows, index, sampled, sampleRows.generation(), microLabels.size());
    }

    /** Refuses an accumulation whose sampled rows (taken at {@code generation}) a later step or accumulation replaced. */
    void checkSample(long generation) {
        if (sampleRows != null && sampleRows.generation() != generation) {
            throw new IllegalStateException("a step or another accumulate ran between this accumulate and its update: Partial FC's"
                    + " sampled rows it works on were replaced; begin the update again with accumulate");
        }
    }

    /** One micro-batch of an update: forward, global softmax and backward on {@code target}, its gradient added to {@code sum}. */
    HeadResult micro(Tensor embeddings, Tensor labels, ShardTensors target, long[] sampled, Accumulator sum) {
        return forwardBackward(embeddings, labels, (input, allLabels) -> {
            int[] ownedRows = IntStream.range(0, allLabels.length).filter(i -> shard.owns(allLabels[i])).toArray();
            long[] cols = Arrays.stream(ownedRows).mapToLong(i -> allLabels[i] - shard.start()).toArray();
            if (sampled != null) {
                for (int k = 0; k < cols.length; k++) {
                    cols[k] = Arrays.binarySearch(sampled, cols[k]);
                }
            }
            return runSorted(input, ownedRows, cols, target, 0, sum);
        });
    }

    /** The update of a summed gradient on {@code target}, written back into the shard's rows {@code index} (null = target is the shard). */
    void applySum(ShardTensors target, Tensor index, Accumulator sum, double lr) {
        kernel.applySum(target, sum, lr, steps);
        if (index != null) {
            weights.tensors().put(index, target);
        }
    }

    /** Gathers, checks and normalises the embeddings, runs {@code shardStep} and returns this worker's rows' gradient. */
    private HeadResult forwardBackward(Tensor embeddings, Tensor labels, BiFunction<Tensor, long[], BlockedSoftmaxStep.Outcome> shardStep) {
        // why an array: the block's plain results besides the one tensor (its gradient) that outlives it
        double[] lossAndAccuracy = new double[2];
        Tensor grad = Scoped.keep(() -> {
            long t = System.nanoTime();
            Placement at = config.placement();
            Tensor x = embeddings.detach().to(at.floats(), false, false, null).contiguous();
            Tensor y = labels.to(at.longs(), false, false, null).contiguous();
            long batch = checkShapes(x, y);
            Tensor gathered = comm.allGather(x);
            long[] allLabels = toLongArray(comm.allGather(y));
            checkLabels(allLabels, batch);
            checkFinite(gathered, batch);
            t = profile.lap(Phase.GATHER, t);

            Tensor norms = config.lossType().normalised() ? rowNorms(gathered) : null;
            if (norms != null) {
                checkNonZero(norms, batch);
            }
            // x̂_i = x_i / ‖x_i‖ for margin losses
            Tensor input = norms == null ? gathered : gathered.div(col(norms));
            t = profile.lap(Phase.OTHER, t);
            BlockedSoftmaxStep.Outcome outcome = shardStep.apply(input, allLabels);
            t = System.nanoTime();
            Tensor inputGrad = comm.reduceScatter(outcome.inputGrad());
            t = profile.lap(Phase.COMMUNICATION, t);
            if (norms != null) {
                // ∂/∂x of x/‖x‖: dx = (dx̂ − x̂·⟨x̂, dx̂⟩) / ‖x‖
                Tensor own = rows(input, comm.rank() * batch, batch);
                Tensor ownNorms = norms.narrow(0, comm.rank() * batch, batch);
                inputGrad = inputGrad.sub(own.mul(col(rowDots(own, inputGrad)))).div_(col(ownNorms));
            }
            profile.lap(Phase.OTHER, t);
            lossAndAccuracy[0] = outcome.loss();
            lossAndAccuracy[1] = outcome.correct() / allLabels.length;
            return inputGrad;
        });
        return new HeadResult(lossAndAccuracy[0], lossAndAccuracy[1], grad);
    }

    private BlockedSoftmaxStep.Outcome runShard(Tensor input, long[] allLabels, double lr) {
        int[] ownedRows = IntStream.range(0, allLabels.length).filter(i -> shard.owns(allLabels[i])).toArray();
        long[] cols = Arrays.stream(ownedRows).mapToLong(i -> allLabels[i] - shard.start()).toArray();
        ShardTensors whole = weights.tensors();
        if (sampler == null) {
            lastSampled = null;
            return runSorted(input, ownedRows, cols, whole, lr, null);
        }
        long t = System.nanoTime();
        long[] sampled = sampler.sample(cols, shard.size(), steps - 1);
        lastSampled = Arrays.stream(sampled).map(c -> c + shard.start()).toArray();
        for (int k = 0; k < cols.length; k++) {
            cols[k] = Arrays.binarySearch(sampled, cols[k]);
        }
        Tensor index = longs(config.placement(), sampled);
        ShardTensors subset = sampleRows.gather(whole, index);
        profile.lap(Phase.SAMPLED_ROWS, t);
        BlockedSoftmaxStep.Outcome outcome = runSorted(input, ownedRows, cols, subset, lr, null);
        t = System.nanoTime();
        whole.put(index, subset);
        profile.lap(Phase.SAMPLED_ROWS, t);
        return outcome;
    }

    private BlockedSoftmaxStep.Outcome runSorted(Tensor input, int[] ownedRows, long[] cols, ShardTensors target, double lr, Accumulator sum) {
        Integer[] order = IntStream.range(0, ownedRows.length).boxed().toArray(Integer[]::new);
        Arrays.sort(order, Comparator.comparingLong(k -> cols[k]));
        long[] sortedRows = Arrays.stream(order).mapToLong(k -> ownedRows[k]).toArray();
        long[] sortedCols = Arrays.stream(order).mapToLong(k -> cols[k]).toArray();
        return kernel.run(input, target, sortedRows, sortedCols, lr, steps, sum, profile);
    }

    private long checkShapes(Tensor x, Tensor y) {
        if (x.dim() != 2 || y.dim() != 1 || x.size(0) != y.size(0)) {
            throw new HeadInputException("rank " + comm.rank() + ": embeddings must be [B, D] and labels [B]; got "
                    + Arrays.toString(Tensors.shape(x)) + " and " + Arrays.toString(Tensors.shape(y)));
        }
        long[] mine = {x.size(0), x.size(1)};
        long[] all = toLongArray(comm.allGather(longs(config.placement(), mine)));
        for (int r = 0; r < comm.worldSize(); r++) {
            if (all[2 * r] != mine[0] || all[2 * r + 1] != config.embDim()) {
                StringBuilder shapes = new StringBuilder();
                for (int q = 0; q < comm.worldSize(); q++) {
                    shapes.append(q == 0 ? "" : ", ").append("rank ").append(q).append(": [").append(all[2 * q]).append(", ")
                            .append(all[2 * q + 1]).append(']');
                }
                throw new HeadInputException("every worker must pass embeddings of the same shape [B, emb_dim=" + config.embDim()
                        + "]; got " + shapes);
            }
        }
        return mine[0];
    }

    private void checkLabels(long[] labels, long batch) {
        for (int i = 0; i < labels.length; i++) {
            if (labels[i] < 0 || labels[i] >= config.numClasses()) {
                throw new HeadInputException("label " + labels[i] + " of row " + (i % batch) + " on rank " + (i / batch)
                        + " is outside [0, num_classes=" + config.numClasses() + ")");
            }
        }
    }

    private void checkFinite(Tensor gathered, long batch) {
        if (!Tensors.allFinite(gathered)) {
            long first = toLongArray(gathered.isfinite().all(1).logical_not().nonzero().select(1, 0))[0];
            throw new NonFiniteException("embedding row " + (first % batch) + " on rank " + (first / batch));
        }
    }

    private void checkNonZero(Tensor norms, long batch) {
        long[] zero = toLongArray(norms.eq(Tensors.scalar(0)).nonzero().view(-1));
        if (zero.length > 0) {
            throw new HeadInputException("embedding row " + (zero[0] % batch) + " on rank " + (zero[0] / batch)
                    + " is all zeros; margin losses need a direction to normalise");
        }
    }

    /** Time per phase accumulated over the steps so far (reset it to measure a window). */
    public StepProfile profile() {
        return profile;
    }

    public HeadConfig config() {
        return config;
    }

    public ClassShard shard() {
        return shard;
    }

    /** This worker's shard state (live tensors; read them, don't keep them past {@link #close}). */
    public ShardWeights weights() {
        return weights;
    }

    /** Global class ids used by the last step when sample_ratio &lt; 1 (sorted), else null. */
    public long[] lastSampledClasses() {
        return lastSampled == null ? null : lastSampled.clone();
    }

    public long steps() {
        return steps;
    }

    /**
     * Continues a run saved after {@code step} steps: Partial FC draws its negatives from (seed, rank, step),
     * so a resumed run samples exactly what the uninterrupted run would have.
     */
    public void startAtStep(long step) {
        if (step < 0) {
            throw new IllegalArgumentException("step must be non-negative, got " + step);
        }
        this.steps = step;
    }

    @Override
    public void close() {
        kernel.close();
        if (sampleRows != null) {
            sampleRows.close();
        }
        weights.close();
    }
}
