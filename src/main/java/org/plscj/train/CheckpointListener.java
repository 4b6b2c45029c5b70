package org.plscj.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.function.Function;
import java.util.function.LongConsumer;
import org.plscj.checkpoint.Snapshot;

/**
 * Saves a checkpoint every save_steps steps (else at each epoch's end), at the last step, and whenever this step's test
 * improved best_target, after every worker checked that its weights are finite; keeps best/ as a copy of an improving
 * checkpoint; at the end waits for the uploads. Rank 0 reports each save in the log.
 */
final class CheckpointListener implements StepListener {
    private final RunStorage storage;
    private final long saveSteps;
    private final ValidationListener validation;
    /** best_target's keeper; null when best_target is off. */
    private final BestCheckpoint best;
    private final LongConsumer requireFiniteWeights;
    private final Function<StepEvent, Snapshot> snapshot;
    /** Rank 0's log (the save's time is left out of its images/s); null on the other ranks. */
    private final TrainingLog log;
    private final PrintStream out;
    /** Whether this worker keeps best/ (rank 0; every worker saves). */
    private final boolean keepsBest;
    private Path last;

    /**
     * @param requireFiniteWeights throws on every worker when any worker's weights are not finite before the save at a step
     * @param snapshot             what to save after a step
     * @param rank                 this worker's rank
     */
    CheckpointListener(RunStorage storage, long saveSteps, ValidationListener validation, BestCheckpoint best,
            LongConsumer requireFiniteWeights, Function<StepEvent, Snapshot> snapshot, TrainingLog log, PrintStream out, int rank) {
        this.storage = storage;
        this.saveSteps = saveSteps;
        this.validation = validation;
        this.best = best;
        this.requireFiniteWeights = requireFiniteWeights;
        this.snapshot = snapshot;
        this.log = log;
        this.out = out;
        this.keepsBest = rank == 0;
    }

    @Override
    public void afterStep(StepEvent e) throws IOException, InterruptedException {
        // why save on an improvement: best/ is a copy of a real checkpoint of exactly the tested weights
        boolean improved = best != null && best.improves(validation.tested());
        if (e.last() || improved || (saveSteps > 0 ? e.step() % saveSteps == 0 : e.epochEnd())) {
            long start = System.nanoTime();
            requireFiniteWeights.accept(e.step());
            last = storage.save(snapshot.apply(e));
            long nanos = System.nanoTime() - start;
            if (log != null) {
                log.checkpointSaved();
                // why after checkpointSaved: it synced the event files, so what is uploaded is whole records
                storage.uploadTensorBoard();
                log.excludeFromWindow(nanos);
                out.printf("plsc train: saved %s in %.1f s (%s)%n", last.getFileName(), nanos / 1e9, storage.describe());
            }
        }
        if (improved && keepsBest) {
            best.keep(last, e.step());
        }
    }

    @Override
    public void afterTraining() throws IOException, InterruptedException {
        storage.finishUploads();
    }

    /** The newest checkpoint this run saved; null before the first. */
    Path last() {
        return last;
    }
}
