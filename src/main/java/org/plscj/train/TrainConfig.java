package org.plscj.train;

import java.net.URI;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import org.plscj.remote.RemoteStorages;
import org.plscj.head.HeadConfig;
import org.plscj.head.HeadConfigException;
import org.plscj.head.HeadDtype;
import org.plscj.head.LossType;
import org.plscj.head.Margin;
import org.plscj.head.MarginGradient;

/**
 * The whole training configuration, with PLSC v1's names and defaults. In YAML every component is
 * written as its snake_case PLSC key ({@code trainBatchSize} is {@code train_batch_size}); the one
 * exception is {@code mainMargin}, whose key is PLSC's {@code margin} (the accessor {@code margin()}
 * is the resolved {@link Margin}).
 *
 * <pre>{@code
 * TrainConfig c = TrainConfigLoader.load(Path.of("configs/ms1m_r50.yaml"), List.of("lr=0.2"));
 * LrSchedule lr = LrSchedule.of(c, worldSize, stepsPerEpoch, c.totalSteps(stepsPerEpoch));
 * }</pre>
 *
 * @param modelName            backbone, e.g. ResNet50
 * @param lossType             PLSC's loss_type (dist_arcface, dist_cosface, dist_sphereface, dist_softmax, combined)
 * @param mainMargin           key {@code margin}: the loss type's own margin; null = its default
 * @param margin1              m1 of cos(m1·θ + m2) − m3; null = from the loss type
 * @param margin2              m2; null = from the loss type
 * @param margin3              m3; null = from the loss type
 * @param scale                logit scale s; null = the loss type's default
 * @param embDim               embedding size D
 * @param numClasses           number of classes C over all workers
 * @param trainBatchSize       images per worker per step
 * @param testBatchSize        images per batch when evaluating
 * @param lr                   learning rate for a global batch of 1024 (see {@link LrSchedule#batchFactor})
 * @param lrScheduler          piecewise, cosine or poly (arcface_torch's PolynomialLRWarmup, see {@link LrSchedule})
 * @param lrSteps              piecewise boundaries, in steps, increasing
 * @param lrDecayFactor        piecewise factor per boundary passed
 * @param warmupEpochs         linear warm-up length in epochs (may be fractional)
 * @param trainEpochs          epochs to train when trainSteps is 0
 * @param trainSteps           steps to train; 0 = trainEpochs
 * @param sampleRatio          Partial FC: the fraction of each shard's classes used per step, in (0, 1]
 * @param momentum             SGD momentum
 * @param weightDecay          L2 weight decay
 * @param datasetDir           training data
 * @param modelSaveDir         where checkpoints, metrics and curves go
 * @param checkpointDir        a checkpoint to start from; null = from scratch
 * @param valTargets           verification sets (lfw, cfp_fp, agedb_30, ...); empty = none
 * @param valDataDir           where the verification sets live; null = datasetDir
 * @param bestTarget           one of valTargets: keep the checkpoint that scored best on it in
 *                             {@code <model_save_dir>/best/}; null = off
 * @param logPeriod            steps between log lines
 * @param testPeriod           steps between evaluations; 0 = at each epoch end only
 * @param saveSteps            steps between checkpoints; 0 = at each epoch end
 * @param calcAcc              compute training accuracy
 * @param mixedPrecision       {@code auto} (default: bf16 where the CPU computes bf16 in hardware, else fp32), {@code true}
 *                             or {@code false}: the backbone's forward under CPU autocast to bfloat16 (fp32 master
 *                             weights; the head in fp32); see {@link MixedPrecision}
 * @param maxLastCheckpointNum checkpoints kept
 * @param seed                 seeds weights, sampling and shuffling
 * @param recomputeLogits      trade one GEMM per step for the [N, n] logits buffer
 * @param headDtype            float32 or bfloat16: the element type of the head's W and its optimizer state
 * @param numThreads           intra-op threads; 0 = automatic
 * @param growClasses          a starting checkpoint may hold fewer classes than num_classes: its rows are kept and
 *                             the new classes' rows appended (fine-tuning on new identities); idempotent on resume
 * @param growInit             how grown classes' rows start: {@code random} (N(0, 0.01) as a fresh run) or {@code mean}
 *                             (the normalised mean embedding of the class's training images, weight imprinting)
 * @param dataOrder            {@code per_rank} (PLSC: each worker shuffles its own part) or {@code global} (one
 *                             permutation of all records per epoch; the global batches depend only on
 *                             train_batch_size × workers, so a checkpoint continues on any worker count with the same
 *                             global batch exactly as it would have; every worker then holds all encoded images)
 * @param localSaveDir         when model_save_dir is a remote URI (hdfs://, s3a://, ...): where checkpoints, logs and
 *                             metrics are written first; each checkpoint is then uploaded in the background
 * @param fsName               PLSC's fs_name: the Hadoop file system (fs.defaultFS); null = from the URI
 * @param fsUgi                PLSC's fs_ugi: the Hadoop user name; null = the default. PLSC's {@code user,password} form is
 *                             refused: nothing here authenticates with a password, and a config is saved in clear into
 *                             config.yaml and every checkpoint's meta.json
 * @param nanPolicy            what a non-finite loss, embedding or gradient does: {@code stop} (exit code 4, naming the
 *                             step, the quantity and the newest intact checkpoint) or {@code skip} (the step's update is
 *                             not applied and counted as skipped_steps in metrics.jsonl)
 * @param maxSkippedSteps      under nan_policy skip: the run stops after this many skipped steps in a row
 * @param clipGradNorm         clips the backbone's gradient to this global L2 norm (over all workers, as
 *                             torch.nn.utils.clip_grad_norm_); 0 = off. The head is never clipped (PLSC's no_clip_list)
 * @param elasticBatch         a run resumed on another number of workers: {@code keep_global} keeps the checkpoint's global
 *                             batch (per-worker batch = global / workers) or {@code keep_per_worker} keeps train_batch_size
 *                             per worker (the global batch and with it the lr change linearly), see {@link ElasticBatch}
 * @param bucketCapMb          the backbone's gradient is summed over workers in buckets of about this many MiB, each
 *                             all-reduced during the backward pass as soon as its gradients are ready (PyTorch DDP's
 *                             bucket_cap_mb, default 25); 0 = one all-reduce of the whole gradient after backward. The
 *                             sums are the same either way
 * @param optimizer            {@code sgd} (PLSC's Momentum with L2 decay, as torch.optim.SGD) or {@code adamw} (torch.optim.AdamW,
 *                             decoupled weight decay, β = (0.9, 0.999), ε = 1e-8), for the backbone and the head alike
 * @param lrPower              lr_scheduler poly's exponent (arcface_torch's PolynomialLRWarmup power, 1.0 in its train_v2.py)
 * @param gradientAcc          micro-batches of train_batch_size per update (arcface_torch's gradient_acc): a step is one update
 *                             on gradientAcc × train_batch_size images per worker, lr scaled by that global batch
 * @param pretrainedModel      PLSC's pretrained_model: a run that starts without a checkpoint takes its backbone from this
 *                             checkpoint directory (any class and worker count) or PyTorch state_dict (arcface_torch's
 *                             backbone.pth, paired as plsc import pairs it); the head starts fresh; null = none
 * @param freezeBackboneSteps  the first this-many steps train the head only (the backbone and its optimizer state untouched)
 * @param backboneLrScale      the backbone's lr is the schedule's times this (fine-tuning: below 1); the head's is the schedule's
 * @param marginGradient       {@code exact} (PLSC: the margin's true derivative) or {@code straight_through} (arcface_torch:
 *                             the target logit's gradient passes the margin unchanged), see {@link MarginGradient}
 * @param skipBad              bad data lines (no tab, bad base64 or label, longer than the line limit) are left out and
 *                             counted (reported once at the start) instead of stopping the run; false: the first one stops it
 *                             naming file and line
 * @param interclassFilteringThreshold arcface_torch's inter-class filtering for margin losses: non-target cosines above
 *                             this count as 0 in the softmax and pass no gradient (noisy labels); 0 = off, else in (−1, 1)
 * @param maskRatio            ViT models: the fraction of each sample's tokens dropped at random in training (arcface_torch's
 *                             mask_ratio), in [0, 1); 0 = none
 */
public record TrainConfig(
        String modelName,
        LossType lossType,
        Double mainMargin,
        Double margin1,
        Double margin2,
        Double margin3,
        Double scale,
        int embDim,
        long numClasses,
        int trainBatchSize,
        int testBatchSize,
        double lr,
        String lrScheduler,
        List<Long> lrSteps,
        double lrDecayFactor,
        double warmupEpochs,
        int trainEpochs,
        long trainSteps,
        double sampleRatio,
        double momentum,
        double weightDecay,
        String datasetDir,
        String modelSaveDir,
        String checkpointDir,
        List<String> valTargets,
        String valDataDir,
        String bestTarget,
        int logPeriod,
        int testPeriod,
        long saveSteps,
        boolean calcAcc,
        String mixedPrecision,
        int maxLastCheckpointNum,
        long seed,
        boolean recomputeLogits,
        int numThreads,
        boolean growClasses,
        String growInit,
        String dataOrder,
        String localSaveDir,
        String fsName,
        String fsUgi,
        String nanPolicy,
        int maxSkippedSteps,
        double clipGradNorm,
        String elasticBatch,
        double bucketCapMb,
        String optimizer,
        double lrPower,
        int gradientAcc,
        String pretrainedModel,
        long freezeBackboneSteps,
        double backboneLrScale,
        String marginGradient,
        boolean skipBad,
        double interclassFilteringThreshold,
        double maskRatio,
        String headDtype) {

    /** PLSC's two schedules and arcface_torch's polynomial one. */
    public static final List<String> LR_SCHEDULERS = List.of("piecewise", "cosine", "poly");

    /** The optimizers of the backbone and the head (optimizer). */
    public static final List<String> OPTIMIZERS = List.of("sgd", "adamw");

    /** How the loader orders the records (data_order). */
    public static final List<String> DATA_ORDERS = List.of("per_rank", "global");

    /** What a non-finite step does (nan_policy). */
    public static final List<String> NAN_POLICIES = List.of("stop", "skip");

    /** How grown classes' rows start (grow_init). */
    public static final List<String> GROW_INITS = List.of("random", "mean");

    public TrainConfig {
        requireText("model_name", modelName);
        if (lossType == null) {
            throw new ConfigException("loss_type", "loss_type must be given");
        }
        requirePositive("train_batch_size", trainBatchSize);
        requirePositive("test_batch_size", testBatchSize);
        lrSteps = checkedSteps(lrSteps);
        checkSchedule(lr, lrScheduler, lrDecayFactor, warmupEpochs, trainEpochs, trainSteps);
        checkHead(numClasses, embDim, lossType, sampleRatio, momentum, weightDecay, interclassFilteringThreshold);
        requireText("dataset_dir", datasetDir);
        requireText("model_save_dir", modelSaveDir);
        valTargets = checkedTargets(valTargets);
        checkBestTarget(bestTarget, valTargets);
        requirePositive("log_period", logPeriod);
        requireNonNegative("test_period", testPeriod);
        requireNonNegative("save_steps", saveSteps);
        requirePositive("max_last_checkpoint_num", maxLastCheckpointNum);
        requireNonNegative("num_threads", numThreads);
        if (!DATA_ORDERS.contains(dataOrder)) {
            throw new ConfigException("data_order", "data_order must be one of " + DATA_ORDERS + ", got " + dataOrder);
        }
        if (!GROW_INITS.contains(growInit)) {
            throw new ConfigException("grow_init", "grow_init must be one of " + GROW_INITS + ", got " + growInit);
        }
        requireText("local_save_dir", localSaveDir);
        if (fsUgi != null && fsUgi.contains(",")) {
            throw new ConfigException("fs_ugi", "fs_ugi takes only the Hadoop user name: the password part of PLSC's 'user,password'"
                    + " is not used by anything here, and would be written in clear into config.yaml and every checkpoint");
        }
        if (!MixedPrecision.SETTINGS.contains(mixedPrecision)) {
            throw new ConfigException("mixed_precision", "mixed_precision must be one of " + MixedPrecision.SETTINGS + ", got " + mixedPrecision);
        }
        if (!NAN_POLICIES.contains(nanPolicy)) {
            throw new ConfigException("nan_policy", "nan_policy must be one of " + NAN_POLICIES + ", got " + nanPolicy);
        }
        requirePositive("max_skipped_steps", maxSkippedSteps);
        if (!(clipGradNorm >= 0) || Double.isInfinite(clipGradNorm)) {
            throw new ConfigException("clip_grad_norm", "clip_grad_norm must be a finite number ≥ 0 (0 = off), got " + clipGradNorm);
        }
        if (!ElasticBatch.CHOICES.contains(elasticBatch)) {
            throw new ConfigException("elastic_batch", "elastic_batch must be one of " + ElasticBatch.CHOICES + ", got " + elasticBatch);
        }
        if (!(bucketCapMb >= 0) || Double.isInfinite(bucketCapMb)) {
            throw new ConfigException("bucket_cap_mb", "bucket_cap_mb must be a finite number ≥ 0 (0 = one all-reduce after backward), got "
                    + bucketCapMb);
        }
        if (!HeadDtype.keys().contains(headDtype)) {
            throw new ConfigException("head_dtype", "head_dtype must be one of " + HeadDtype.keys() + ", got '" + headDtype + "'");
        }
        if (!OPTIMIZERS.contains(optimizer)) {
            throw new ConfigException("optimizer", "optimizer must be one of " + OPTIMIZERS + ", got " + optimizer);
        }
        if (!(lrPower > 0) || Double.isInfinite(lrPower)) {
            throw new ConfigException("lr_power", "lr_power must be a finite number > 0, got " + lrPower);
        }
        requireNonNegative("freeze_backbone_steps", freezeBackboneSteps);
        if (!(backboneLrScale >= 0) || Double.isInfinite(backboneLrScale)) {
            throw new ConfigException("backbone_lr_scale", "backbone_lr_scale must be a finite number >= 0, got " + backboneLrScale);
        }
        if (pretrainedModel != null && pretrainedModel.isBlank()) {
            throw new ConfigException("pretrained_model", "pretrained_model must name a checkpoint directory or a state_dict file, got ''");
        }
        if (gradientAcc < 1) {
            throw new ConfigException("gradient_acc", "gradient_acc must be an integer >= 1 (micro-batches per update; 1 = none), got "
                    + gradientAcc);
        }
        if (MarginGradient.of(marginGradient) == null) {
            throw new ConfigException("margin_gradient", "margin_gradient must be one of " + MarginGradient.keys() + ", got "
                    + marginGradient);
        }
        if (!(maskRatio >= 0 && maskRatio < 1)) {
            throw new ConfigException("mask_ratio", "mask_ratio must be a fraction in [0, 1) (0 = no token masking), got " + maskRatio);
        }
        resolveMargin(lossType, mainMargin, margin1, margin2, margin3, scale);
    }

    /**
     * PLSC v1's defaults (config.py / Entry), as the bundled {@code defaults.yaml} beside this class sets them with a
     * description per key (the configuration reference, docs/configuration.md, is generated from the same file).
     */
    public static TrainConfig defaults() {
        return Defaults.VALUE;
    }

    // why a holder: the file is read once, on first use, not when TrainConfig's class is initialised
    private static final class Defaults {
        static final TrainConfig VALUE = TrainConfigLoader.readDefaults();
    }

    /**
     * The margins and scale the head uses: the loss type's defaults, then PLSC's {@code margin}
     * where that loss type has one (arcface: m2, cosface: m3, sphereface: m1; softmax and combined
     * have none and ignore it), then explicit margin1/2/3 and scale.
     */
    public Margin margin() {
        return resolveMargin(lossType, mainMargin, margin1, margin2, margin3, scale);
    }

    /** The head this config trains: its classes, margins, Partial FC ratio, seed, logits memory and SGD settings. */
    public HeadConfig head() {
        return HeadConfig.of(numClasses, embDim, lossType).withMargin(margin()).withSampleRatio(sampleRatio).withSeed(seed)
                .withRecomputedLogits(recomputeLogits).withOptimizer(momentum, weightDecay).withAdamW(optimizer.equals("adamw"))
                .withMarginGradient(MarginGradient.of(marginGradient)).withInterclassFilteringThreshold(interclassFilteringThreshold)
                .withHeadDtype(HeadDtype.of(headDtype));
    }

    /** Where the verification sets live: valDataDir, or datasetDir when that is not set. */
    public String validationDir() {
        return valDataDir != null ? valDataDir : datasetDir;
    }

    /** model_save_dir as a remote URI (hdfs://, s3a://, ...); null when it is a local directory. */
    public URI remoteModelSaveDir() {
        return RemoteStorages.remoteUri(modelSaveDir);
    }

    /** Where this run writes checkpoints, logs and metrics on local disk: model_save_dir, or local_save_dir when that is remote. */
    public Path localModelSaveDir() {
        if (remoteModelSaveDir() != null) {
            return Path.of(localSaveDir);
        }
        return modelSaveDir.startsWith("file:") ? Path.of(URI.create(modelSaveDir)) : Path.of(modelSaveDir);
    }

    /** fs_name and fs_ugi as a remote storage provider's options (absent keys left out). */
    public Map<String, String> remoteOptions() {
        Map<String, String> out = new LinkedHashMap<>();
        if (fsName != null && !fsName.isBlank()) {
            out.put("fs_name", fsName);
        }
        if (fsUgi != null && !fsUgi.isBlank()) {
            out.put("fs_ugi", fsUgi);
        }
        return out;
    }

    /** Steps the run lasts: trainSteps when set, otherwise trainEpochs × stepsPerEpoch. */
    public long totalSteps(long stepsPerEpoch) {
        return trainSteps > 0 ? trainSteps : trainEpochs * stepsPerEpoch;
    }

    private static Margin resolveMargin(LossType type, Double main, Double m1, Double m2, Double m3, Double scale) {
        Margin d = type.defaultMargin();
        double r1 = d.m1();
        double r2 = d.m2();
        double r3 = d.m3();
        if (main != null) {
            switch (type) {
                case ARCFACE -> r2 = main;
                case COSFACE -> r3 = main;
                case SPHEREFACE -> r1 = main;
                default -> { } // why: PLSC's softmax has no margin and combined takes margin1/2/3
            }
        }
        try {
            return new Margin(m1 != null ? m1 : r1, m2 != null ? m2 : r2, m3 != null ? m3 : r3,
                    scale != null ? scale : d.scale());
        } catch (IllegalArgumentException e) {
            throw new ConfigException("margin", "margin, margin1/2/3 and scale for " + type.plscName()
                    + ": " + e.getMessage(), e);
        }
    }

    private static void checkSchedule(double lr, String scheduler, double decay, double warmupEpochs,
            int trainEpochs, long trainSteps) {
        if (!(lr > 0) || Double.isInfinite(lr)) {
            throw new ConfigException("lr", "lr must be a positive number, got " + lr);
        }
        if (!LR_SCHEDULERS.contains(scheduler)) {
            throw new ConfigException("lr_scheduler", "lr_scheduler must be one of " + LR_SCHEDULERS + ", got '" + scheduler + "'");
        }
        if (!(decay > 0)) {
            throw new ConfigException("lr_decay_factor", "lr_decay_factor must be positive, got " + decay);
        }
        if (!(warmupEpochs >= 0) || Double.isInfinite(warmupEpochs)) {
            throw new ConfigException("warmup_epochs", "warmup_epochs must be >= 0, got " + warmupEpochs);
        }
        requireNonNegative("train_steps", trainSteps);
        if (trainSteps == 0) {
            requirePositive("train_epochs", trainEpochs);
        }
    }

    /** The head's own rules (one place: {@link HeadConfig}), reported under the config key they concern. */
    private static void checkHead(long numClasses, int embDim, LossType lossType, double sampleRatio, double momentum,
            double weightDecay, double interclassFilteringThreshold) {
        try {
            HeadConfig.of(numClasses, embDim, lossType).withSampleRatio(sampleRatio).withOptimizer(momentum, weightDecay)
                    .withInterclassFilteringThreshold(interclassFilteringThreshold);
        } catch (HeadConfigException e) {
            throw new ConfigException(e.key(), e.getMessage());
        }
    }

    private static List<Long> checkedSteps(List<Long> steps) {
        if (steps == null || steps.stream().anyMatch(Objects::isNull)) {
            throw new ConfigException("lr_steps", "lr_steps must be a list of step numbers, got " + steps);
        }
        for (int i = 0; i < steps.size(); i++) {
            if (steps.get(i) < 0 || i > 0 && steps.get(i) <= steps.get(i - 1)) {
                throw new ConfigException("lr_steps", "lr_steps must be non-negative and increasing, got " + steps);
            }
        }
        return List.copyOf(steps);
    }

    private static List<String> checkedTargets(List<String> targets) {
        if (targets == null || targets.stream().anyMatch(t -> t == null || t.isBlank())) {
            throw new ConfigException("val_targets", "val_targets must be a list of names (empty for none), got " + targets);
        }
        return List.copyOf(targets);
    }

    // why: the best checkpoint is chosen by a test result, and only val_targets are ever tested
    private static void checkBestTarget(String bestTarget, List<String> valTargets) {
        if (bestTarget != null && !valTargets.contains(bestTarget)) {
            throw new ConfigException("best_target", "best_target '" + bestTarget + "' must be one of val_targets "
                    + valTargets + " (or left unset to keep no best checkpoint)");
        }
    }

    private static void requireText(String key, String value) {
        if (value == null || value.isBlank()) {
            throw new ConfigException(key, key + " must be given, got " + (value == null ? "nothing" : "'" + value + "'"));
        }
    }

    private static void requirePositive(String key, long value) {
        if (value <= 0) {
            throw new ConfigException(key, key + " must be positive, got " + value);
        }
    }

    private static void requireNonNegative(String key, long value) {
        if (value < 0) {
            throw new ConfigException(key, key + " must be >= 0, got " + value);
        }
    }
}
