package org.plscj.train;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import java.io.PrintStream;
import java.util.List;
import org.plscj.checkpoint.CheckpointMeta;

/**
 * elastic_batch: the batch of a run that resumes on another number of workers than the one that saved its checkpoint (a
 * machine lost or back under {@code plsc launch --nnodes MIN:MAX}). {@code keep_global} keeps the checkpoint's global batch:
 * per-worker batch = global / workers, refused when it does not divide; with data_order global the run continues exactly
 * as it would have on the old worker count. {@code keep_per_worker} keeps train_batch_size per worker: the global batch
 * follows the worker count and the lr follows it linearly (PLSC's lr is for a global batch of 1024, see {@link LrSchedule}).
 *
 * <p>The checkpoint's global batch is its config's train_batch_size (the per-worker batch it really ran with: a run resumed
 * under keep_global saves the batch it chose) × its world size.
 */
final class ElasticBatch {
    static final String KEEP_GLOBAL = "keep_global";
    static final String KEEP_PER_WORKER = "keep_per_worker";
    static final List<String> CHOICES = List.of(KEEP_GLOBAL, KEEP_PER_WORKER);

    private static final YAMLMapper YAML = new YAMLMapper();

    /**
     * @param config  the config to train with (train_batch_size per worker)
     * @param applied whether elastic_batch changed anything against the checkpoint: the per-worker batch (keep_global) or
     *                the global batch and lr (keep_per_worker)
     */
    record Choice(TrainConfig config, boolean applied) {}

    private ElasticBatch() {}

    /**
     * The config for {@code workers} workers resuming from the checkpoint with manifest {@code saved}.
     *
     * @param out where rank 0 says what it chose; null on the other ranks
     * @throws ConfigException under keep_global when the checkpoint's global batch does not divide among the workers
     */
    static Choice resolve(TrainConfig config, CheckpointMeta saved, int workers, PrintStream out) {
        int savedPerWorker = savedBatch(saved, config.trainBatchSize());
        long savedGlobal = (long) savedPerWorker * saved.worldSize();
        if (config.elasticBatch().equals(KEEP_PER_WORKER)) {
            long global = (long) config.trainBatchSize() * workers;
            if (global == savedGlobal) {
                return new Choice(config, false);
            }
            say(out, String.format("plsc train: elastic_batch keep_per_worker: per-worker batch %d on %d worker(s) (the checkpoint:"
                    + " %d × %d): global batch %d → %d, lr ×%.4g", config.trainBatchSize(), workers, saved.worldSize(), savedPerWorker,
                    savedGlobal, global, (double) global / savedGlobal));
            return new Choice(config, true);
        }
        if (workers == saved.worldSize()) {
            // why: elastic_batch is about a changed world; on the same one, a train_batch_size changed on purpose is kept
            return new Choice(config, false);
        }
        if (savedGlobal % workers != 0) {
            throw new ConfigException("elastic_batch", "elastic_batch keep_global: the checkpoint's global batch " + savedGlobal + " ("
                    + saved.worldSize() + " workers × " + savedPerWorker + ") does not divide among " + workers
                    + " workers; resume on a worker count that divides it, or set elastic_batch: keep_per_worker");
        }
        int perWorker = (int) (savedGlobal / workers);
        say(out, "plsc train: elastic_batch keep_global: the checkpoint's global batch " + savedGlobal + " (" + saved.worldSize()
                + " workers × " + savedPerWorker + ") on " + workers + " worker(s): per-worker batch " + perWorker
                + " (train_batch_size " + config.trainBatchSize() + " not used), lr unchanged");
        return new Choice(TrainConfigLoader.override(config, List.of("train_batch_size=" + perWorker)), true);
    }

    /**
     * Why a per-worker batch that keep_global chose does not fit this machine, or null when it does: the plan
     * {@code plsc plan} makes for it (the backbone's activations grow with the batch, and a world that shrank gives
     * each worker more images).
     */
    static String unfitting(TrainingPlan plan, int perWorkerBatch) {
        if (plan.fits()) {
            return null;
        }
        double gib = 1024.0 * 1024 * 1024;
        return String.format("elastic_batch keep_global: per-worker batch %d needs %.2f GiB per worker (plsc plan: activations"
                + " %.2f GiB), × %d worker(s) on this machine > %.2f GiB available; resume on more workers, or set elastic_batch:"
                + " keep_per_worker", perWorkerBatch, plan.totalBytes() / gib, plan.activationBytes() / gib, plan.localWorkers(),
                plan.head().availableBytes() / gib);
    }

    /** The checkpoint's per-worker batch from the config it saved; {@code fallback} when it saved none (an older checkpoint). */
    private static int savedBatch(CheckpointMeta saved, int fallback) {
        if (saved.config() == null) {
            return fallback;
        }
        try {
            JsonNode batch = YAML.readTree(saved.config()).path("train_batch_size");
            return batch.canConvertToInt() && batch.asInt() > 0 ? batch.asInt() : fallback;
        } catch (JsonProcessingException e) {
            // why fall back: the manifest's checksums passed, so this is an older writer's config, not damage
            return fallback;
        }
    }

    private static void say(PrintStream out, String line) {
        if (out != null) {
            out.println(line);
        }
    }
}
