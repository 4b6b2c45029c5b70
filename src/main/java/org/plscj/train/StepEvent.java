package org.plscj.train;

/**
 * A finished training step as {@link StepListener}s see it.
 *
 * @param step         steps done, this one included (1 after the first)
 * @param totalSteps   the step the run ends at
 * @param epoch        epochs done (step / steps per epoch)
 * @param epochEnd     whether this step ends an epoch
 * @param lr           the learning rate it ran with
 * @param result       loss, train accuracy and gradient norm (NaN for a skipped step)
 * @param skippedSteps steps skipped so far under nan_policy skip
 */
public record StepEvent(long step, long totalSteps, int epoch, boolean epochEnd, double lr, TrainStep.Result result, long skippedSteps) {
    /** Whether this is the run's last step. */
    public boolean last() {
        return step == totalSteps;
    }
}
