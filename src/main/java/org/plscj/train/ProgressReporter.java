package org.plscj.train;

import java.io.Closeable;
import java.io.PrintStream;
import java.math.BigDecimal;
import java.math.MathContext;
import java.time.Duration;
import java.util.Locale;
import java.util.function.LongSupplier;
import me.tongfei.progressbar.ProgressBar;
import me.tongfei.progressbar.ProgressBarBuilder;
import me.tongfei.progressbar.ProgressBarStyle;
import org.plscj.progress.ProgressLines;

/**
 * Training progress for a person watching: a progress bar on an interactive terminal, otherwise
 * (a log file, a batch job) one plain line per report:
 * {@code step 200/10000 epoch 1 loss 12.3456 acc 0.0123 lr 0.0125 1234.5 img/s eta 1h02m}.
 * The ETA comes from an exponential moving average of the time per step, so a slow first period
 * (warm-up, compilation) stops mattering after a few reports.
 *
 * <pre>{@code
 * try (ProgressReporter progress = new ProgressReporter(totalSteps, resumedStep)) {
 *     progress.report(step, epoch, loss, acc, lr, imagesPerSecond);
 * }
 * }</pre>
 */
public final class ProgressReporter implements Closeable {
    /** Weight of the newest period in the moving average of the step time. */
    static final double SMOOTHING = 0.3;

    private final long totalSteps;
    private final PrintStream out;
    private final ProgressBar bar;
    private final LongSupplier nanoClock;
    private long lastStep;
    private long lastNanos;
    private double secondsPerStep = Double.NaN;

    /** Progress from step 0, a bar on an interactive terminal, plain lines on stdout otherwise. */
    public ProgressReporter(long totalSteps) {
        this(totalSteps, 0);
    }

    /** Progress of a run resumed at {@code startStep}, a bar on an interactive terminal, plain lines on stdout otherwise. */
    public ProgressReporter(long totalSteps, long startStep) {
        this(totalSteps, startStep, System.out, isInteractiveTerminal(), System::nanoTime);
    }

    /** Plain lines to {@code out}. */
    public ProgressReporter(long totalSteps, long startStep, PrintStream out) {
        this(totalSteps, startStep, out, false, System::nanoTime);
    }

    ProgressReporter(long totalSteps, long startStep, PrintStream out, boolean withBar, LongSupplier nanoClock) {
        if (totalSteps < 1 || startStep < 0 || startStep > totalSteps) {
            throw new IllegalArgumentException("need 0 <= start step <= total steps and total >= 1, got "
                    + startStep + " of " + totalSteps);
        }
        this.totalSteps = totalSteps;
        this.out = out;
        this.nanoClock = nanoClock;
        this.lastStep = startStep;
        this.lastNanos = nanoClock.getAsLong();
        this.bar = withBar ? new ProgressBarBuilder().setTaskName("train").setInitialMax(totalSteps)
                .setStyle(ProgressBarStyle.ASCII).startsFrom(startStep, Duration.ZERO).build() : null;
    }

    /** A console that a person reads: System.console() exists and TERM is not "dumb". */
    public static boolean isInteractiveTerminal() {
        String term = System.getenv("TERM");
        return System.console() != null && term != null && !term.equals("dumb");
    }

    /**
     * @param step steps done (1-based)
     * @param acc  training accuracy, or null when not computed
     */
    public void report(long step, int epoch, double loss, Double acc, double lr, double imagesPerSecond) {
        updateStepTime(step);
        String metrics = String.format(Locale.ROOT, "epoch %d loss %.4f%s lr %s %.1f img/s", epoch, loss,
                acc == null ? "" : String.format(Locale.ROOT, " acc %.4f", acc), threeDigits(lr), imagesPerSecond);
        if (bar != null) {
            bar.stepTo(step);
            bar.setExtraMessage(metrics);
        } else {
            out.println("step " + step + "/" + totalSteps + " " + metrics + " eta " + formatDuration(etaSeconds()));
        }
    }

    /** Seconds to the end at the smoothed step time; NaN before two points in time are known. */
    public double etaSeconds() {
        return secondsPerStep * (totalSteps - lastStep);
    }

    private void updateStepTime(long step) {
        long now = nanoClock.getAsLong();
        if (step > lastStep) {
            double latest = (now - lastNanos) / 1e9 / (step - lastStep);
            // ema ← α·latest + (1 − α)·ema
            secondsPerStep = Double.isNaN(secondsPerStep) ? latest : SMOOTHING * latest + (1 - SMOOTHING) * secondsPerStep;
        }
        lastStep = step;
        lastNanos = now;
    }

    /** 3 significant digits without exponent: 0.0125, 0.1, 0.000391. */
    private static String threeDigits(double value) {
        if (!Double.isFinite(value) || value == 0) {
            return String.valueOf(value);
        }
        return new BigDecimal(value).round(new MathContext(3)).stripTrailingZeros().toPlainString();
    }

    /** 42s, 12m05s, 1h02m, 2d03h; "?" when unknown. */
    static String formatDuration(double seconds) {
        return ProgressLines.formatDuration(seconds);
    }

    @Override
    public void close() {
        if (bar != null) {
            bar.close();
        }
        out.flush();
    }
}
