package org.plscj.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.plscj.eval.VerificationReport;

/**
 * What rank 0 reports about a run: a progress line (or bar) every log_period steps, one metrics.jsonl line
 * per logged or tested step (the test's accuracies as {@code <target>_acc} on the same line), and the PNG
 * curves refreshed at every checkpoint. Images/s are measured over the steps since the last line, without the time
 * spent testing and saving.
 */
final class TrainingLog implements AutoCloseable {
    private final MetricsLog metrics;
    private final ProgressReporter progress;
    private final long imagesPerStep;
    private long windowStart = System.nanoTime();
    private long windowSteps;

    TrainingLog(Path dir, long firstStep, long totalSteps, long imagesPerStep, PrintStream out) throws IOException {
        this.metrics = MetricsLog.open(dir, firstStep);
        this.progress = out == System.out ? new ProgressReporter(totalSteps, firstStep) : new ProgressReporter(totalSteps, firstStep, out);
        this.imagesPerStep = imagesPerStep;
    }

    /**
     * @param logDue whether this step is a log_period step (or the last)
     * @param acc    train accuracy, or null when calc_acc is off
     * @param values further numbers of this step for metrics.jsonl (grad_norm, skipped_steps)
     */
    void stepDone(long done, int epoch, double loss, Double acc, double lr, boolean logDue, Map<String, VerificationReport> tested,
            Map<String, Double> values) throws IOException {
        windowSteps++;
        if (!logDue && tested.isEmpty()) {
            return;
        }
        double imagesPerSecond = Double.NaN;
        if (logDue) {
            imagesPerSecond = windowSteps * (double) imagesPerStep / ((System.nanoTime() - windowStart) / 1e9);
            progress.report(done, epoch, loss, acc, lr, imagesPerSecond);
        }
        Map<String, Double> extra = new LinkedHashMap<>(values);
        tested.forEach((target, report) -> extra.put(target + "_acc", report.accuracy()));
        metrics.append(new MetricsEntry(done, epoch, loss, acc, lr, imagesPerSecond, progress.etaSeconds(), extra));
        if (logDue) {
            windowStart = System.nanoTime();
            windowSteps = 0;
        }
    }

    /** Leaves {@code nanos} spent outside training (a test, a save) out of the images/s of the current window. */
    void excludeFromWindow(long nanos) {
        windowStart += nanos;
    }

    void checkpointSaved() throws IOException {
        metrics.writeCurves();
    }

    @Override
    public void close() throws IOException {
        progress.close();
        metrics.close();
    }
}
