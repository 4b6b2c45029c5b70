package org.plscj.train;

import java.io.IOException;

/**
 * What happens after each training step, as DJL's {@code TrainingListener}: validation, the log and metrics, checkpoints
 * and best/ are listeners of the loop in {@link Trainer#run}, called in the order they were added, on every worker (each
 * decides what its rank does). A library user adds their own with {@link Trainer#addListener}.
 */
public interface StepListener {
    /** After {@code step} finished (also a step skipped under nan_policy skip: its loss is NaN). */
    void afterStep(StepEvent step) throws IOException, InterruptedException;

    /** After the last step, also when the run had none left to do (a resume of a finished run). */
    default void afterTraining() throws IOException, InterruptedException {}
}
