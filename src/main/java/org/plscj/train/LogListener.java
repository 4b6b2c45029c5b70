package org.plscj.train;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * Rank 0's progress line every log_period steps and its metrics.jsonl line (with this step's test accuracies, the batch's
 * shape, grad_norm and skipped_steps); the test's time is left out of the images/s.
 */
final class LogListener implements StepListener {
    private final TrainingLog log;
    private final ValidationListener validation;
    private final long logPeriod;
    private final boolean calcAcc;
    /** What each line says about the batch: workers, per_worker_batch, and elastic_batch when it applied. */
    private final Map<String, Double> batchMetrics;

    LogListener(TrainingLog log, ValidationListener validation, long logPeriod, boolean calcAcc, Map<String, Double> batchMetrics) {
        this.log = log;
        this.validation = validation;
        this.logPeriod = logPeriod;
        this.calcAcc = calcAcc;
        this.batchMetrics = batchMetrics;
    }

    @Override
    public void afterStep(StepEvent e) throws IOException {
        log.excludeFromWindow(validation.nanos());
        Map<String, Double> values = new LinkedHashMap<>(batchMetrics);
        values.put("grad_norm", e.result().gradNorm());
        values.put("skipped_steps", (double) e.skippedSteps());
        log.stepDone(e.step(), e.epoch(), e.result().loss(), calcAcc ? e.result().accuracy() : null, e.lr(),
                e.last() || e.step() % logPeriod == 0, validation.tested(), values);
    }

    @Override
    public void afterTraining() throws IOException {
        log.close();
    }
}
