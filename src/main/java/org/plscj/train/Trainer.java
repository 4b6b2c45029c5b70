package org.plscj.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.bytedeco.pytorch.Tensor;
import org.bytedeco.pytorch.global.torch;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.checkpoint.Snapshot;
import org.plscj.comm.Communicator;
import org.plscj.comm.DistEnv;
import org.plscj.data.Augmentation;
import org.plscj.data.BatchTensor;
import org.plscj.data.ImageDecoder;
import org.plscj.data.ShardLoader;
import org.plscj.eval.VerificationReport;
import org.plscj.head.ClassShard;
import org.plscj.head.HeadConfig;
import org.plscj.head.HeadDtype;
import org.plscj.head.NonFiniteException;
import org.plscj.head.PartialFC;
import org.plscj.head.ShardWeights;
import org.plscj.labels.LabelMap;
import org.plscj.labels.LabelMapException;
import org.plscj.model.Backbone;
import org.plscj.model.Backbones;
import org.plscj.model.TokenMasking;
import org.plscj.tensor.CpuFeatures;
import org.plscj.tensor.Native;
import org.plscj.tensor.Placement;
import org.plscj.tensor.Scoped;
import org.plscj.tensor.Tensors;
import org.plscj.train.StepPhases.Phase;

/**
 * {@code plsc train}: the step loop that wires data → backbone → head → update, with PLSC's schedule,
 * logs and metrics on rank 0, periodic verification tests and checkpoints. Every worker constructs one
 * with the same config and calls {@link #run}; with one worker it is plain single-device training.
 */
public final class Trainer implements AutoCloseable {
    /** why not final: on a resume elastic_batch may set another per-worker batch, known once the checkpoint is chosen. */
    private TrainConfig config;
    /** What each metrics.jsonl line says about the batch: workers, per_worker_batch, and elastic_batch when it applied. */
    private final Map<String, Double> batchMetrics;
    private final Communicator comm;
    private final PrintStream out;
    private final Backbone backbone;
    private final PartialFC head;
    private final BackboneOptimizer sgd;
    private final TrainStep step;
    private final ShardLoader loader;
    private final LrSchedule schedule;
    private final Validation validation;
    /** best_target's keeper; null when best_target is off. */
    private final BestCheckpoint best;
    /** Listeners a library user added, after the built-in ones. */
    private final List<StepListener> extraListeners = new ArrayList<>();
    private final long stepsPerEpoch;
    private final long totalSteps;
    private final long firstStep;
    /** Where the run's checkpoints live: the lock, the local store, the remote one. */
    private final RunStorage storage;
    /** Written into every checkpoint's manifest; a resumed run keeps its id. */
    private final String runId;
    /** The classes' names saved with each checkpoint (rank 0 only; null without names). */
    private final LabelMap labels;
    /** The buffers before the current step, under nan_policy skip; null under stop. */
    private final BufferSnapshot buffersBeforeStep;

    /** The outcome of a run. */
    public record Summary(long steps, double loss, double accuracy, Map<String, VerificationReport> validation,
            Path lastCheckpoint) {}

    /**
     * Builds everything a run needs and checks the inputs first: dataset_dir exists and its labels fit
     * num_classes, the backbone name resolves, the val sets exist, a checkpoint to resume is of this model
     * (with grow_classes, one with fewer classes is grown to num_classes).
     *
     * @param resume continue from the newest checkpoint under model_save_dir (if any; when model_save_dir is a remote
     *               URI, its newest checkpoint is downloaded into local_save_dir first when newer than the local one)
     */
    public Trainer(TrainConfig config, Communicator comm, boolean resume, PrintStream out) throws IOException {
        this(config, comm, resume, false, out);
    }

    /**
     * As above; without {@code resume}, a model_save_dir that already holds checkpoints is refused (they would be
     * mixed with this run's and pruned by step number) unless {@code force}: its checkpoints, best/ and metrics are then
     * moved aside into {@code replaced-<time>/} (remote checkpoints are deleted), and the run says so.
     */
    public Trainer(TrainConfig config, Communicator comm, boolean resume, boolean force, PrintStream out) throws IOException {
        Native.load();
        if (config.numThreads() > 0) {
            torch.set_num_threads(config.numThreads());
        }
        this.config = config;
        this.comm = comm;
        this.out = out;
        Path data = RemoteData.localCopy(config.datasetDir(), config, comm, "per_rank".equals(config.dataOrder()));
        if (!Files.isDirectory(data)) {
            throw new ConfigException("dataset_dir", "dataset_dir " + data + " does not exist or is not a directory");
        }
        this.validation = Validation.open(config, comm);
        long loadStart = System.nanoTime();
        this.storage = RunStorage.open(config, comm, resume, force, out);
        try {
            ResumePoint start = ResumePoint.choose(config, comm, storage, resume);
            this.runId = start.runId();
            this.labels = runLabels(data, start.checkpoint());
            // why seed first: every worker then builds the same initial backbone (rank 0's is broadcast anyway)
            torch.manual_seed(config.seed());
            this.backbone = Backbones.create(config.modelName(), config.embDim());
            maskTokens(backbone, config);
            HeadConfig headConfig = config.head();
            this.firstStep = start.firstStep();
            ElasticBatch.Choice elastic = start.batch(config, comm.worldSize(), comm.rank() == 0 ? out : null);
            this.config = elastic.config();
            if (elastic.applied() && this.config.elasticBatch().equals(ElasticBatch.KEEP_GLOBAL)) {
                refuseUnfittingBatch();
            }
            this.batchMetrics = new LinkedHashMap<>(Map.of("workers", (double) comm.worldSize(), "per_worker_batch",
                    (double) this.config.trainBatchSize()));
            if (elastic.applied()) {
                batchMetrics.put("elastic_batch_" + this.config.elasticBatch(), 1.0);
            }
            this.best = this.config.bestTarget() == null ? null
                    : BestCheckpoint.open(this.config.localModelSaveDir(), this.config.bestTarget(),
                            start.continuesRun() ? firstStep : 0);
            start.restoreBackbone(backbone, this.config, comm.rank());
            if (start.checkpoint().isEmpty() && this.config.pretrainedModel() != null) {
                PretrainedBackbone.load(this.config, backbone, comm);
            }
            // why before the head: grow_init mean embeds the training images with every worker's backbone
            GradientSync.broadcastFromRankZero(backbone, comm);
            ClassShard shard = ClassShard.of(this.config.numClasses(), comm.worldSize(), comm.rank());
            if (start.checkpoint().isPresent()) {
                Checkpoint c = start.checkpoint().get();
                this.head = Scoped.compute(() -> {
                    Checkpoint.HeadState h = savedHead(c, shard, data);
                    announceDtypeChange(h, headConfig, c, comm.rank());
                    return new PartialFC(headConfig, comm, h.weight(), h.momentum(), h.bias(), h.biasMomentum(), h.secondMoment(),
                            h.biasSecondMoment());
                });
                head.startAtStep(firstStep);
            } else if (this.config.pretrainedModel() != null && this.config.growInit().equals("mean")) {
                this.head = imprintedHead(headConfig, shard, data);
            } else {
                this.head = new PartialFC(headConfig, comm);
            }
            this.sgd = BackboneOptimizer.of(this.config, backbone);
            start.restoreOptimizer(sgd, comm);
            if (start.checkpoint().isPresent() && comm.rank() == 0) {
                out.printf("plsc train: resumed from %s in %.1f s%n", start.checkpoint().get().directory(),
                        (System.nanoTime() - loadStart) / 1e9);
            }
            MixedPrecision precision = MixedPrecision.decide(this.config.mixedPrecision(), CpuFeatures.current());
            if (comm.rank() == 0) {
                out.println("plsc train: " + precision.message());
            }
            this.step = new TrainStep(backbone, head, sgd, comm, precision.bf16(), this.config.clipGradNorm(),
                    this.config.bucketCapMb());
            this.buffersBeforeStep = "skip".equals(this.config.nanPolicy()) ? new BufferSnapshot(backbone) : null;
            this.loader = openLoader(data);
            this.stepsPerEpoch = agreedStepsPerEpoch();
            this.totalSteps = this.config.totalSteps(stepsPerEpoch);
            this.schedule = LrSchedule.of(this.config, comm.worldSize(), stepsPerEpoch, totalSteps);
        } catch (IOException | RuntimeException e) {
            storage.close();
            throw e;
        }
    }

    /**
     * Every worker checks that keep_global's per-worker batch fits its machine; all refuse when one does not. A custom
     * backbone that does not describe its layers cannot be counted and is not checked (rank 0 says so).
     */
    /**
     * One line (rank 0) when the checkpoint's head was saved in another dtype than head_dtype asks for: the head is then
     * converted as it loads (to bfloat16 rounding to nearest-even, to float32 exactly), which is never done silently.
     * A checkpoint from before head_dtype stored float32 tensors, so it reads as float32.
     */
    private void announceDtypeChange(Checkpoint.HeadState h, HeadConfig headConfig, Checkpoint c, int rank) {
        HeadDtype saved = HeadDtype.stored(Tensors.dtype(h.weight()));
        if (rank == 0 && saved != headConfig.headDtype()) {
            out.println("plsc train: the head in " + c.directory() + " was saved as " + (saved == null ? Tensors.dtype(h.weight()) : saved.key())
                    + "; converting it to head_dtype " + headConfig.headDtype().key() + " (W, momentum"
                    + (h.secondMoment() != null ? ", second moment" : "") + ")");
        }
    }

    private void refuseUnfittingBatch() {
        int local = DistEnv.fromEnvironment().localWorldSize();
        Optional<TrainingPlan> plan = TrainingPlan.counted(config, comm.worldSize(), local, backbone);
        if (plan.isEmpty() && comm.rank() == 0) {
            out.println("plsc train: elastic_batch keep_global: not checking that per-worker batch " + config.trainBatchSize()
                    + " fits: " + backbone.modelName() + " does not describe its layers (Backbone.exportTo)");
        }
        Communicator.Failure failure = comm.agreeOnFailure(plan.map(p -> ElasticBatch.unfitting(p, config.trainBatchSize())).orElse(null));
        if (failure != null) {
            throw new ConfigException("elastic_batch", "worker " + failure.rank() + ": " + failure.message());
        }
    }

    /**
     * On rank 0, the names to save: the data's {@code labels.tsv} (which must fit num_classes and, when continuing a
     * checkpoint with names, keep every saved name on its label), else the checkpoint's. Every rank learns of a refusal.
     */
    private LabelMap runLabels(Path data, Optional<Checkpoint> start) throws IOException {
        LabelMap chosen = null;
        String refusal = null;
        if (comm.rank() == 0) {
            try {
                Optional<LabelMap> own = LabelMap.readIfPresent(data.resolve(LabelMap.FILE));
                if (own.isPresent()) {
                    own.get().checkFits(config.numClasses(), "this run (num_classes)");
                }
                chosen = (start.isPresent() ? start.get().labelsContinuedBy(own) : own).orElse(null);
            } catch (LabelMapException e) {
                refusal = e.getMessage();
            }
        }
        Communicator.Failure failure = comm.agreeOnFailure(refusal);
        if (failure != null) {
            throw new LabelMapException(failure.message());
        }
        return chosen;
    }

    /** This worker's rows from the checkpoint; with grow_classes the new classes' rows appended (grow_init: random or mean). */
    private Checkpoint.HeadState savedHead(Checkpoint c, ClassShard shard, Path data) throws IOException {
        long saved = c.meta().numClasses();
        if (!config.growClasses() || saved == config.numClasses()) {
            return c.headShard(shard);
        }
        Checkpoint.HeadState grown = c.grownHeadShard(shard, config.seed());
        if (comm.rank() == 0) {
            out.println("plsc train: growing " + c.directory() + " from " + saved + " to " + config.numClasses() + " classes ("
                    + config.growInit() + " rows)");
        }
        return config.growInit().equals("mean")
                ? ClassImprinting.imprint(grown, shard, saved, data, backbone, comm, config.testBatchSize()) : grown;
    }

    /** A fresh head for a pretrained backbone whose rows start as each class's mean embedding (grow_init: mean). */
    private PartialFC imprintedHead(HeadConfig headConfig, ClassShard shard, Path data) throws IOException {
        if (comm.rank() == 0) {
            out.println("plsc train: a fresh head of " + config.numClasses() + " classes from the mean embeddings of their images under "
                    + config.pretrainedModel() + " (grow_init mean)");
        }
        return Scoped.compute(() -> {
            Tensor fresh = ShardWeights.initialRows(config.numClasses(), config.embDim(), config.seed(), shard.start(), shard.size());
            Checkpoint.HeadState h = ClassImprinting.imprint(new Checkpoint.HeadState(fresh, null, null, null), shard, 0, data, backbone,
                    comm, config.testBatchSize());
            return new PartialFC(headConfig, comm, h.weight(), null, null, null);
        });
    }

    private ShardLoader openLoader(Path data) throws IOException {
        ShardLoader.Options options = ShardLoader.Options.of(comm.rank(), comm.worldSize(), config.trainBatchSize(), config.seed(),
                Augmentation.DEFAULT, new ImageDecoder(ImageDecoder.PLSC_SIZE, ImageDecoder.PLSC_SIZE, false))
                .withGlobalOrder("global".equals(config.dataOrder())).withSkipBad(config.skipBad());
        ShardLoader opened = ShardLoader.open(data, options, 0, 0);
        if (comm.rank() == 0 && opened.badRecords().total() > 0) {
            out.println("plsc train: skip_bad: " + opened.badRecords().report().replace("\n", "\n    "));
        }
        long maxLabel = reduceMax(opened.maxLabel());
        if (maxLabel >= config.numClasses()) {
            opened.close();
            throw new ConfigException("num_classes", "dataset_dir " + data + " has labels up to " + maxLabel + " but num_classes is "
                    + config.numClasses() + " (labels must lie in [0, num_classes))");
        }
        if (firstStep == 0) {
            return opened;
        }
        // resuming: this worker's stream continues where an uninterrupted run would be (gradient_acc batches a step)
        int perEpoch = opened.batchesPerEpoch();
        opened.close();
        long batchesDone = firstStep * config.gradientAcc();
        return ShardLoader.open(data, options, (int) (batchesDone / perEpoch), (int) (batchesDone % perEpoch));
    }

    private long agreedStepsPerEpoch() {
        // why the minimum: with one data file per worker the files may differ in length; an epoch of the
        // schedule is then the shortest worker's pass (each worker's loader simply runs on)
        // a step takes gradient_acc batches; at least one step an epoch
        return Math.max(1, -reduceMax(-loader.batchesPerEpoch()) / config.gradientAcc());
    }

    private long reduceMax(long value) {
        return Scoped.compute(() -> {
            Tensor t = Tensors.longs(Placement.CPU_FLOAT, new long[] {value});
            comm.allReduce(t, Communicator.Reduction.MAX);
            return Tensors.toLongArray(t)[0];
        });
    }

    /**
     * Adds {@code listener} after the built-in ones (validation, log, checkpoints), called after every step of
     * {@link #run} on this worker.
     */
    public void addListener(StepListener listener) {
        extraListeners.add(listener);
    }

    /** Trains to train_steps (or train_epochs) and returns the last numbers. */
    public Summary run() throws InterruptedException, IOException {
        Path saveDir = config.localModelSaveDir();
        TrainingLog log = null;
        if (comm.rank() == 0) {
            Files.createDirectories(saveDir);
            Files.writeString(saveDir.resolve("config.yaml"), TrainConfigLoader.toYaml(config));
            out.println("plsc train: " + backbone.modelName() + " + " + config.lossType().plscName() + ", " + config.numClasses()
                    + " classes over " + comm.worldSize() + " worker(s), global batch " + globalBatch() + ", " + stepsPerEpoch
                    + " steps/epoch, steps " + firstStep + " → " + totalSteps);
            log = new TrainingLog(saveDir, firstStep, totalSteps, globalBatch(), out);
        } else {
            // one line from every other worker: which machine it runs on and what it holds (a multi-machine log shows all)
            ClassShard shard = head.shard();
            out.println("plsc train: rank " + comm.rank() + " of " + comm.worldSize() + " on " + comm.host(comm.rank()) + ": classes ["
                    + shard.start() + ", " + (shard.start() + shard.size()) + "), " + loader.batchesPerEpoch() + " batches per epoch");
        }
        ValidationListener validated = new ValidationListener(validation, backbone, config.testPeriod(), out);
        CheckpointListener checkpoints = new CheckpointListener(storage, config.saveSteps(), validated, best, this::requireFiniteWeights,
                e -> new Snapshot(e.step(), e.epoch(), e.lr(), TrainConfigLoader.toYaml(config), runId, backbone, sgd.state(), head,
                        labels), log, out, comm.rank());
        List<StepListener> listeners = new ArrayList<>(List.of(validated));
        if (log != null) {
            listeners.add(new LogListener(log, validated, config.logPeriod(), config.calcAcc(), batchMetrics));
        }
        listeners.add(checkpoints);
        listeners.addAll(extraListeners);
        TrainStep.Result last = null;
        int skippedInARow = 0;
        long skipped = 0;
        for (long s = firstStep; s < totalSteps; s++) {
            double lr = schedule.at(s);
            long done = s + 1;
            TrainStep.Result result;
            try {
                result = trainOneStep(s, lr);
                skippedInARow = 0;
            } catch (NonFiniteException e) {
                skippedInARow++;
                if (buffersBeforeStep == null || skippedInARow > config.maxSkippedSteps()) {
                    throw diverged(e, done, skippedInARow);
                }
                buffersBeforeStep.restore();
                skipped++;
                if (comm.rank() == 0 || step.locatedHere()) {
                    out.println("plsc train: step " + done + " skipped (nan_policy: skip): " + e.getMessage() + "; " + skippedInARow
                            + " in a row, at most " + config.maxSkippedSteps());
                }
                result = new TrainStep.Result(Double.NaN, Double.NaN, Double.NaN);
            }
            last = result;
            StepEvent event = new StepEvent(done, totalSteps, (int) (done / stepsPerEpoch), done % stepsPerEpoch == 0, lr, result, skipped);
            for (StepListener l : listeners) {
                l.afterStep(event);
            }
        }
        for (StepListener l : listeners) {
            l.afterTraining();
        }
        return new Summary(totalSteps, last == null ? Double.NaN : last.loss(), last == null ? Double.NaN : last.accuracy(),
                validated.lastTested(), checkpoints.last());
    }

    /** The run stops: a non-finite step under nan_policy stop, or more than max_skipped_steps skipped in a row. */
    private NonFiniteException diverged(NonFiniteException e, long step, int inARow) {
        String why = buffersBeforeStep == null || inARow == 0 ? "" : " (" + inARow + " steps in a row skipped, max_skipped_steps is " + config.maxSkippedSteps() + ")";
        String newest = storage.store().newest().map(p -> "the newest intact checkpoint is " + p + " (continue with --resume, perhaps with a"
                + " lower lr or clip_grad_norm)").orElse("no checkpoint was saved yet");
        return new NonFiniteException(e.quantity(), "training diverged at step " + step + ": " + e.getMessage() + why
                + "; nothing was updated with it and nothing was saved; " + newest);
    }

    /**
     * Every worker checks its own weights (backbone parameters and buffers, head shard and momentum) before a save, and
     * all learn whether any worker's are not finite: a checkpoint is never written from non-finite weights.
     */
    private void requireFiniteWeights(long step) {
        boolean finite = sgd.parameters().values().stream().allMatch(Tensors::allFinite)
                && sgd.state().values().stream().allMatch(Tensors::allFinite)
                && head.weights().allFinite()
                && Scoped.compute(() -> Arrays.stream(backbone.buffers(true).get()).allMatch(b -> !b.is_floating_point() || Tensors.allFinite(b)));
        long worst = reduceMax(finite ? 0 : comm.rank() + 1);
        if (worst > 0) {
            String quantity = "rank " + (worst - 1) + "'s weights";
            throw diverged(new NonFiniteException(quantity, quantity + " are not finite (NaN or Inf) before the save"), step, 0);
        }
    }

    private long globalBatch() {
        return (long) config.trainBatchSize() * config.gradientAcc() * comm.worldSize();
    }

    /** One step in its own scope; the result keeps only numbers. */
    private TrainStep.Result trainOneStep(long stepsDone, double lr) throws InterruptedException {
        return Scoped.compute(() -> {
            if (buffersBeforeStep != null) {
                buffersBeforeStep.save();
            }
            long t = System.nanoTime();
            List<Tensor> images = new ArrayList<>();
            List<Tensor> labels = new ArrayList<>();
            for (int k = 0; k < config.gradientAcc(); k++) {
                ShardLoader.Batch batch = loader.next();
                images.add(BatchTensor.of(batch.images(), config.trainBatchSize(), ImageDecoder.PLSC_SIZE, ImageDecoder.PLSC_SIZE));
                labels.add(Tensors.longs(Placement.CPU_FLOAT, batch.labels()));
            }
            t = step.phases().lap(Phase.DATA, t);
            double backboneLr = stepsDone < config.freezeBackboneSteps() ? 0 : lr * config.backboneLrScale();
            return step.run(images, labels, lr, backboneLr, t);
        });
    }

    public TrainStep step() {
        return step;
    }

    @Override
    public void close() {
        storage.close();
        loader.close();
        if (buffersBeforeStep != null) {
            buffersBeforeStep.close();
        }
        sgd.close();
        head.close();
        backbone.close();
    }

    /** mask_ratio reaches the backbone before the optimizer collects its trainable parameters (mask_token trains with it). */
    private static void maskTokens(Backbone backbone, TrainConfig config) {
        if (config.maskRatio() == 0) {
            return;
        }
        if (!(backbone instanceof TokenMasking masking)) {
            throw new ConfigException("mask_ratio", "mask_ratio masks a Vision Transformer's tokens (ViT-T, ViT-S); model_name "
                    + config.modelName() + " has none: leave mask_ratio at 0");
        }
        masking.maskTokens(config.maskRatio());
    }
}
