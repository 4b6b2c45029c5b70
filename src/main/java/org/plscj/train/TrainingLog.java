package org.plscj.train;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;
import org.plscj.eval.VerificationReport;
import org.plscj.tb.EventFileWriter;

/**
 * What rank 0 reports about a run: a progress line (or bar) every log_period steps, one metrics.jsonl line
 * per logged or tested step (the test's accuracies as {@code <target>_acc} on the same line), and the PNG
 * curves refreshed at every checkpoint. Images/s are measured over the steps since the last line, without the time
 * spent testing and saving. The same steps go into a TensorBoard event file of this run under {@code <dir>/tb/}
 * ({@link #TB_DIR}): {@code train/*} scalars as in metrics.jsonl, {@code val/<target>/acc},
 * {@code val/<target>/val_at_far} (VAL at {@link org.plscj.eval.VerificationMetrics#FAR_TARGET}) and the ROC as the
 * image {@code val/<target>/roc}; synced to disk at every checkpoint.
 */
final class TrainingLog implements AutoCloseable {
    /** The TensorBoard directory under model_save_dir. */
    static final String TB_DIR = "tb";

    private final MetricsLog metrics;
    private final EventFileWriter events;
    private final ProgressReporter progress;
    private final long imagesPerStep;
    private long windowStart = System.nanoTime();
    private long windowSteps;

    TrainingLog(Path dir, long firstStep, long totalSteps, long imagesPerStep, PrintStream out) throws IOException {
        this.metrics = MetricsLog.open(dir, firstStep);
        this.progress = out == System.out ? new ProgressReporter(totalSteps, firstStep) : new ProgressReporter(totalSteps, firstStep, out);
        this.imagesPerStep = imagesPerStep;
        this.events = EventFileWriter.create(dir.resolve(TB_DIR));
        // why always: TensorBoard then drops what an earlier run in this directory logged from here on, as metrics.jsonl does
        events.sessionStart(firstStep + 1);
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
        writeEvents(done, loss, acc, lr, imagesPerSecond, tested, values);
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
        events.sync();
    }

    @Override
    public void close() throws IOException {
        try (events; metrics) {
            progress.close();
        }
    }

    /** This step's line of metrics.jsonl (without epoch and ETA) as TensorBoard scalars, and its tests with their ROC. */
    private void writeEvents(long done, double loss, Double acc, double lr, double imagesPerSecond, Map<String, VerificationReport> tested,
            Map<String, Double> values) throws IOException {
        Map<String, Double> scalars = new LinkedHashMap<>();
        scalars.put("train/loss", loss);
        if (acc != null) {
            scalars.put("train/acc", acc);
        }
        scalars.put("train/lr", lr);
        if (!Double.isNaN(imagesPerSecond)) {
            scalars.put("train/images_per_s", imagesPerSecond);
        }
        values.forEach((name, value) -> scalars.put("train/" + name, value));
        tested.forEach((target, report) -> {
            scalars.put("val/" + target + "/acc", report.accuracy());
            scalars.put("val/" + target + "/val_at_far", report.val());
        });
        events.scalars(done, scalars);
        for (Map.Entry<String, VerificationReport> test : tested.entrySet()) {
            events.image("val/" + test.getKey() + "/roc", done, test.getValue().roc().png());
        }
    }
}
