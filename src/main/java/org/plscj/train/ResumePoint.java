package org.plscj.train;

import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.UUID;
import org.bytedeco.pytorch.global.torch;
import org.plscj.checkpoint.Checkpoint;
import org.plscj.comm.Communicator;
import org.plscj.head.ClassShard;
import org.plscj.model.Backbone;
import org.plscj.tensor.Scoped;

/**
 * Where a run starts: from scratch, from this run's newest checkpoint ({@code --resume}: the newest one complete in every
 * worker's directory), or from checkpoint_dir (a model to continue or grow). The checkpoint is opened once per worker,
 * verifying just the files that worker reads (rank 0 the backbone and optimizer, every worker the head shards overlapping
 * its classes): with one directory per machine no worker could verify another machine's files anyway.
 */
final class ResumePoint {
    private final Optional<Checkpoint> checkpoint;
    private final boolean resume;

    private ResumePoint(Optional<Checkpoint> checkpoint, boolean resume) {
        this.checkpoint = checkpoint;
        this.resume = resume;
    }

    static ResumePoint choose(TrainConfig config, Communicator comm, RunStorage storage, boolean resume) {
        Optional<Path> dir = resume ? storage.store().newestOnAll(comm) : Optional.empty();
        if (dir.isEmpty() && config.checkpointDir() != null) {
            dir = Optional.of(Path.of(config.checkpointDir()));
        }
        ClassShard mine = ClassShard.of(config.numClasses(), comm.worldSize(), comm.rank());
        return new ResumePoint(dir.map(d -> Checkpoint.openFor(d, comm.rank(), comm.worldSize(), mine)), resume);
    }

    /** The checkpoint to start from; empty for a run from scratch. */
    Optional<Checkpoint> checkpoint() {
        return checkpoint;
    }

    /**
     * Whether this continues the run that saved the checkpoint (its id, its batch, its best/), not just its weights:
     * under {@code --resume}, also from checkpoint_dir when model_save_dir has none yet.
     */
    boolean continuesRun() {
        return resume && checkpoint.isPresent();
    }

    /** The steps already done: the checkpoint's step, or 0. */
    long firstStep() {
        return checkpoint.map(c -> c.meta().step()).orElse(0L);
    }

    /** The run's id, kept across resumes: it is written into every checkpoint's manifest. */
    String runId() {
        return checkpoint.filter(c -> continuesRun()).map(c -> c.meta().runId()).orElse(UUID.randomUUID().toString());
    }

    /** The config with elastic_batch applied when the run continues on another worker count (see {@link ElasticBatch}). */
    ElasticBatch.Choice batch(TrainConfig config, int workers, PrintStream rankZeroOut) {
        return checkpoint.filter(c -> continuesRun()).map(c -> ElasticBatch.resolve(config, c.meta(), workers, rankZeroOut))
                .orElse(new ElasticBatch.Choice(config, false));
    }

    /** Checks the checkpoint is of this model; rank 0 loads its backbone (the others receive it by broadcast). */
    void restoreBackbone(Backbone backbone, TrainConfig config, int rank) {
        checkpoint.ifPresent(c -> {
            c.checkCompatible(backbone.modelName(), config.embDim(), config.numClasses(), config.lossType().plscName(),
                    config.growClasses());
            if (rank == 0) {
                c.loadBackbone(backbone);
            }
        });
    }

    /** Every worker takes rank 0's saved optimizer state, and its own random state (dropout continues exactly). */
    void restoreOptimizer(BackboneOptimizer sgd, Communicator comm) {
        checkpoint.ifPresent(c -> Scoped.run(() -> {
            if (comm.rank() == 0) {
                sgd.loadState(c.momentum());
            }
            GradientSync.broadcastFromRankZero(sgd.state().values(), comm);
            c.rngState(comm.rank(), comm.worldSize()).ifPresent(torch.getDefaultCPUGenerator()::set_state);
        }));
    }
}
